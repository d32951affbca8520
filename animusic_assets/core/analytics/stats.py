"""Confidence intervals: Wilson for rates, seeded bootstrap for means and for differences
between groups of users (a cluster bootstrap: users, not rows, are resampled)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from animusic_assets.core.evaluation.metrics import wilson_interval

__all__ = ["bootstrap_mean_ci", "cluster_bootstrap_diff", "rate_ci", "wilson_interval"]

N_BOOT = 2000


def rate_ci(successes: int, trials: int) -> tuple[float, float, float]:
    """(rate, low, high); NaN for all three when there are no trials (nothing to estimate)."""
    if trials == 0:
        return (float("nan"),) * 3
    low, high = wilson_interval(int(successes), int(trials))
    return successes / trials, float(low), float(high)


def bootstrap_mean_ci(
    values: ArrayLike, seed: int = 0, n_boot: int = N_BOOT, level: float = 0.95
) -> tuple[float, float, float]:
    """(mean, low, high) by the percentile bootstrap with a seeded generator. NaN when empty;
    a single value is its own interval."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return (float("nan"),) * 3
    if len(x) == 1:
        return float(x[0]), float(x[0]), float(x[0])
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(n_boot, len(x)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(x.mean()), float(low), float(high)


def cluster_bootstrap_diff(
    early_sum: ArrayLike,
    early_n: ArrayLike,
    late_sum: ArrayLike,
    late_n: ArrayLike,
    seed: int = 0,
    n_boot: int = N_BOOT,
    level: float = 0.95,
) -> tuple[float, float, float, float]:
    """Difference of pooled means (late - early) over users, with a percentile CI from
    resampling users with replacement. Each argument holds one number per user: the sum of
    the outcome (likes, watch ratios) and the count of rows, early and late.

    Returns (diff, low, high, p) where p is the two-sided bootstrap p-value
    (2 * the smaller share of resampled differences on either side of 0, capped at 1)."""
    es, en, ls, ln = (np.asarray(a, dtype=float) for a in (early_sum, early_n, late_sum, late_n))
    if len(es) == 0 or en.sum() == 0 or ln.sum() == 0:
        return (float("nan"),) * 4
    diff = ls.sum() / ln.sum() - es.sum() / en.sum()
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(es), size=(n_boot, len(es)))
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = ls[idx].sum(1) / ln[idx].sum(1) - es[idx].sum(1) / en[idx].sum(1)
    boot = boot[~np.isnan(boot)]
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(boot, [tail, 100 - tail])
    p = min(1.0, 2 * min((boot <= 0).mean(), (boot >= 0).mean()))
    return float(diff), float(low), float(high), float(p)
