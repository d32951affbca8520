"""Adaptation as a trend: the least-squares slope of an outcome (like, watch ratio) on the
exposure number per model, its 95 % interval from the paired bootstrap over users of
``answers``, and the one-sentence adaptation answer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from animusic_assets.core.analytics import answers


def slope_stat(m: np.ndarray) -> np.ndarray:
    n, sx, sy, sxy, sxx = (m[..., i] for i in range(5))
    with np.errstate(invalid="ignore", divide="ignore"):
        den = sxx - sx * sx / n
        return np.where(den > 1e-12, (sxy - sx * sy / n) / den, np.nan)


def trend_table(
    items: pd.DataFrame, outcome: str, max_exposure: int, seed: int = 0
) -> pd.DataFrame:
    """Per model: the fitted slope of the outcome per exposure with its 95 % interval."""
    slopes = answers.per_model(items, outcome, slope_stat, seed, max_exposure)
    users = pd.Index(sorted(items["user_id"].unique()))
    rows = []
    for m, (e, _) in slopes.items():
        n, sum_x, sum_y = answers.moments(items, m, outcome, users, max_exposure).sum(axis=0)[:3]
        intercept = (sum_y - e.value * sum_x) / n
        rows.append(
            {
                "model": m,
                "slope": e.value,
                "slope_ci_low": e.low,
                "slope_ci_high": e.high,
                "intercept": intercept,
                "users": e.users,
                "trend": "too few exposures"
                if np.isnan(e.low)
                else f"too few users (< {answers.MIN_USERS})"
                if e.users < answers.MIN_USERS
                else "rising"
                if e.low > 0
                else "falling"
                if e.high < 0
                else "flat",
            }
        )
    return pd.DataFrame(
        rows,
        columns=["model", "users", "slope", "slope_ci_low", "slope_ci_high", "intercept", "trend"],
    ).set_index("model")


def adaptation_answer(items: pd.DataFrame, max_exposure: int, seed: int = 0) -> tuple[str, dict]:
    """One sentence: which model's like rate rises fastest with exposure (fitted slope), how
    many models rise significantly, and whether the steepest beats the runner-up."""
    n_users = int(items["user_id"].nunique())
    slopes = answers.per_model(items, "liked", slope_stat, seed, max_exposure)
    c = answers.compare_best(slopes, n_users)
    if c is None:
        return (
            "**Adaptation:** not answerable yet — no two models have items at more than "
            "one exposure number."
        ), {}
    rising = [m for m, (e, _) in slopes.items() if e.users >= answers.MIN_USERS and e.low > 0]
    falling = [m for m, (e, _) in slopes.items() if e.users >= answers.MIN_USERS and e.high < 0]
    few = [m for m, (e, _) in slopes.items() if e.users < answers.MIN_USERS]
    pct = 100.0
    spread = (
        f"like rate rises significantly with exposure for {len(rising)} of {len(slopes)} "
        f"models ({', '.join(rising) or 'none'})"
        + (f" and falls for {', '.join(falling)}" if falling else "")
        + (f" ({', '.join(few)}: too few users to tell)" if few else "")
    )
    reached = int(min(max_exposure, items["exposure"].max()))
    text = (
        f"**Adaptation:** over exposures 1–{reached}, {spread}; the steepest trend is "
        f"**{c.best}**, {c.best_est.value * pct:+.2f} points of like rate per exposure "
        f"(95 % CI {c.best_est.low * pct:+.2f} to {c.best_est.high * pct:+.2f}), against "
        f"runner-up {c.runner_up} at {c.runner_est.value * pct:+.2f} "
        f"({c.runner_est.low * pct:+.2f} to {c.runner_est.high * pct:+.2f}); "
        f"{answers.verdict(_scaled(c, pct), 2, ' points')}."
    )
    return text, {"slope": c}


def _scaled(c: answers.Comparison, k: float) -> answers.Comparison:
    def s(e: answers.Estimate) -> answers.Estimate:
        return answers.Estimate(e.value * k, e.low * k, e.high * k, e.users)

    return answers.Comparison(
        c.best, c.runner_up, s(c.best_est), s(c.runner_est), s(c.diff), c.p, c.users
    )
