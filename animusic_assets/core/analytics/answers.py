"""The headline answers: which model engages listeners most, which adapts fastest, and whether
the best is really ahead of the runner-up.

Every figure is pooled over items (one user–song pair each), and every interval and test
resamples *users* (a paired bootstrap: one draw of users serves both models, since every
playlist carries every model; one listener's items are not independent). Statistics are
computed from per-user sums, so a resample is one matrix product.

- rate / mean: Σy / n over the model's items (like rate: y = liked; watch ratio: y = the
  capped ratio, items with a duration only);
- trend: the least-squares slope of y on the exposure number over exposures 1..max_exposure
  ("how much more is liked per extra song the model has shown this listener").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

N_BOOT = 2000
MIN_USERS = 5  # fewer users than this: no test is run (a bootstrap over 2 users says nothing)
TEST_NAME = "paired bootstrap over users"
_N, _X, _Y, _XY, _XX = range(5)


def moments(
    items: pd.DataFrame, model: str, outcome: str, users: pd.Index, max_exposure: int | None = None
) -> np.ndarray:
    """Per user (rows in ``users`` order): n, Σx, Σy, Σxy, Σx² of the model's items, x being
    the exposure number and y the outcome (``liked`` or ``watch_ratio``)."""
    g = items[items["model"] == model]
    if outcome == "watch_ratio":
        g = g[g["duration_known"]]
    if max_exposure:
        g = g[g["exposure"] <= max_exposure]
    x = g["exposure"].astype(float)
    y = g[outcome].astype(float)
    frame = (
        pd.DataFrame({"n": 1.0, "x": x, "y": y, "xy": x * y, "xx": x * x, "user_id": g["user_id"]})
        .groupby("user_id")
        .sum()
    )
    return frame.reindex(users, fill_value=0.0).to_numpy(dtype=float)


def mean_stat(m: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return m[..., _Y] / m[..., _N]


def user_weights(n_users: int, seed: int, n_boot: int = N_BOOT) -> np.ndarray:
    """(n_boot, n_users): how often each user is drawn in each resample."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_users, np.full(n_users, 1 / n_users), size=n_boot).astype(float)


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    users: int = 0  # users with at least one item behind the value


@dataclass(frozen=True)
class Comparison:
    best: str
    runner_up: str
    best_est: Estimate
    runner_est: Estimate
    diff: Estimate
    p: float
    users: int

    @property
    def real(self) -> bool:
        return bool(self.users >= MIN_USERS and (self.diff.low > 0 or self.diff.high < 0))


def _interval(boot: np.ndarray, value: float, users: int) -> Estimate:
    boot = boot[~np.isnan(boot)]
    if np.isnan(value) or len(boot) == 0:
        return Estimate(float(value), float("nan"), float("nan"), users)
    low, high = np.percentile(boot, [2.5, 97.5])
    return Estimate(float(value), float(low), float(high), users)


def per_model(
    items: pd.DataFrame,
    outcome: str,
    stat: Callable[[np.ndarray], np.ndarray] = mean_stat,
    seed: int = 0,
    max_exposure: int | None = None,
) -> dict[str, tuple[Estimate, np.ndarray]]:
    """Per model: the statistic with its bootstrap interval, and its resampled values."""
    users = pd.Index(sorted(items["user_id"].unique()))
    if len(users) == 0:
        return {}
    weights = user_weights(len(users), seed)
    out = {}
    for model in sorted(items["model"].dropna().unique()):
        m = moments(items, model, outcome, users, max_exposure)
        if m[:, _N].sum() == 0:
            continue
        value = float(stat(m.sum(axis=0)))
        boot = stat(weights @ m)
        out[model] = (_interval(boot, value, int((m[:, _N] > 0).sum())), boot)
    return out


def compare_best(
    estimates: dict[str, tuple[Estimate, np.ndarray]], n_users: int, higher_is_better: bool = True
) -> Comparison | None:
    """The best model against the runner-up: the difference with its interval and a
    two-sided bootstrap p-value (resamples share their users, so the test is paired). Models
    with fewer than MIN_USERS users are not ranked (a few lucky items are no answer) unless
    no two models have that many."""
    ranked = [
        m
        for m in sorted(estimates, key=lambda k: estimates[k][0].value, reverse=higher_is_better)
        if not np.isnan(estimates[m][0].value)
    ]
    enough = [m for m in ranked if estimates[m][0].users >= MIN_USERS]
    ranked = enough if len(enough) >= 2 else ranked
    if len(ranked) < 2:
        return None
    best, runner = ranked[0], ranked[1]
    (b, b_boot), (r, r_boot) = estimates[best], estimates[runner]
    diff_boot = b_boot - r_boot
    diff = _interval(diff_boot, b.value - r.value, min(b.users, r.users))
    ok = diff_boot[~np.isnan(diff_boot)]
    p = float(min(1.0, 2 * min((ok <= 0).mean(), (ok >= 0).mean()))) if len(ok) else float("nan")
    return Comparison(best, runner, b, r, diff, p, min(n_users, b.users, r.users))


def _r(x: float, digits: int) -> float:
    """Rounded, without a negative zero ("-0.000" reads as a sign that is not there)."""
    return round(x, digits) + 0.0


def est(e: Estimate, digits: int = 3) -> str:
    v, lo, hi = (_r(x, digits) for x in (e.value, e.low, e.high))
    return f"{v:.{digits}f} (95 % CI {lo:.{digits}f}–{hi:.{digits}f})"


def verdict(c: Comparison, digits: int = 3, unit: str = "") -> str:
    d = Estimate(_r(c.diff.value, digits), _r(c.diff.low, digits), _r(c.diff.high, digits))
    if c.users < MIN_USERS:
        return (
            f"with {c.users} users the difference {d.value:+.{digits}f}{unit} cannot be "
            f"tested (a {TEST_NAME} needs at least {MIN_USERS})"
        )
    what = "a real difference" if c.real else "not a detectable difference"
    return (
        f"the difference {d.value:+.{digits}f}{unit} (95 % CI {d.low:+.{digits}f} to "
        f"{d.high:+.{digits}f}; {TEST_NAME}, {c.users} users, p = {c.p:.3f}) is {what}"
    )


def engagement_answer(items: pd.DataFrame, seed: int = 0) -> tuple[str, dict]:
    """One sentence: the model with the highest like rate, the runner-up, and whether the gap
    is real; the same for the mean watch ratio."""
    n_users = int(items["user_id"].nunique())
    likes = per_model(items, "liked", seed=seed)
    watch = per_model(items, "watch_ratio", seed=seed)
    c_like, c_watch = compare_best(likes, n_users), compare_best(watch, n_users)
    if c_like is None:
        return (
            "**Engagement:** not answerable yet — fewer than two models have any item "
            f"({len(items)} items from {n_users} users)."
        ), {}
    text = (
        f"**Engagement:** **{c_like.best}** has the highest like rate, "
        f"{est(c_like.best_est)}, against runner-up {c_like.runner_up} at "
        f"{est(c_like.runner_est)}; {verdict(c_like)}"
    )
    if c_watch is not None:
        text += (
            f". Mean watch ratio: {c_watch.best} {est(c_watch.best_est)} vs "
            f"{c_watch.runner_up} {est(c_watch.runner_est)}, {verdict(c_watch)}"
        )
    return text + ".", {"like_rate": c_like, "watch_ratio": c_watch}
