"""PNG plots of the feasibility report: time per pipeline step, days to collect under the
rate limits, and the monthly bill against the original study's. Axes name their units."""

from __future__ import annotations

import numpy as np
import pandas as pd

from animusic_assets.core.analytics.feasibility import STAGES, step_stage
from animusic_assets.core.analytics.plots import _empty, _png, plt

COLOURS = dict(
    zip(
        STAGES,
        ("#8e44ad", "#16a085", "#3b6ea8", "#d35400", "#7f8c8d", "#95a5a6", "#bdc3c7"),
        strict=False,
    )
)


def steps_png(per_asset: pd.DataFrame) -> bytes:
    """Median seconds per asset's step (bar), the slowest run (whisker), coloured by stage."""
    ok = per_asset[per_asset["steps"] > 0] if not per_asset.empty else per_asset
    if ok.empty:
        return _empty("no finished steps recorded yet")
    ok = ok.sort_values("median_s")
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(ok) + 1.4))
    stages = [step_stage(a) for a in ok.index]
    y = np.arange(len(ok))
    ax.barh(y, ok["median_s"], color=[COLOURS[s] for s in stages])
    ax.errorbar(ok["max_s"], y, xerr=None, fmt="|", color="#333", ms=8)
    ax.set_yticks(y, ok.index, fontsize=8)
    ax.set_xlabel("seconds per step (bar: median over runs; tick: slowest run)")
    ax.set_title("Time per pipeline step (Dagster run records)")
    seen = [s for s in STAGES if s in stages]
    ax.legend(
        [plt.Rectangle((0, 0), 1, 1, color=COLOURS[s]) for s in seen],
        seen,
        fontsize=8,
        loc="lower right",
        title="stage",
        title_fontsize=8,
    )
    return _png(fig)


def collection_png(plan: pd.DataFrame, n_anime: int, original_days: list | None) -> bytes:
    """Days per site under its rate limit and daily cap, beside the original study's span."""
    fig, ax = plt.subplots(figsize=(8, 2.6))
    y = np.arange(len(plan))
    ax.barh(y, plan["days"], color="#8e44ad")
    labels = [
        f"{s}\n{r:g} req/s" + (f", {int(c)}/day" if pd.notna(c) and c else "")
        for s, r, c in zip(plan.index, plan["rate_per_s"], plan["daily_cap"], strict=False)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    if original_days:
        ax.axvspan(
            original_days[0],
            original_days[-1],
            color="#f1c40f",
            alpha=0.3,
            label=f"original study: {original_days[0]}–{original_days[-1]} days",
        )
        ax.legend(fontsize=8, loc="lower right")
    for i, d in enumerate(plan["days"]):
        ax.text(d, i, f" {d:.1f} d", va="center", fontsize=8)
    ax.set_xlabel(f"days to collect {n_anime:,} anime (sites run in parallel)")
    ax.set_title("Collection per site under its limits")
    return _png(fig)


def cost_png(
    ours_monthly: float, ours_fee: float, original_monthly: float | None, original_fee: float | None
) -> bytes:
    """Monthly hosting and the one-off store fee, ours against the original study's."""
    fig, ax = plt.subplots(figsize=(6, 3))
    x = np.arange(2)
    ax.bar(
        x - 0.2,
        [ours_monthly, ours_fee],
        0.4,
        color="#3b6ea8",
        label="this system at the price sheet",
    )
    if original_monthly is not None:
        ax.bar(
            x + 0.2,
            [original_monthly, original_fee or 0],
            0.4,
            color="#f1c40f",
            label="original study",
        )
    ax.set_xticks(x, ["hosting per month", "store fee (once)"])
    ax.set_ylabel("USD")
    ax.set_title("Money")
    ax.legend(fontsize=8)
    return _png(fig)


def partitions_png(steps: pd.DataFrame) -> bytes:
    """Measured seconds per collection batch (partition), per asset (one asset per site):
    a dot per partition run, the bar at the median."""
    ok = steps[(steps["status"] == "SUCCESS") & steps["partition"].notna()]
    if ok.empty:
        return _empty("no partitioned (live collection) runs recorded")
    assets = sorted(ok["asset"].unique())
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(assets) + 1.4))
    for i, asset in enumerate(assets):
        seconds = ok.loc[ok["asset"] == asset, "duration_s"].to_numpy(dtype=float)
        ax.barh(i, np.median(seconds), color="#d7bde2")
        ax.plot(seconds, np.full(len(seconds), i), "o", ms=3, color="#8e44ad")
    ax.set_yticks(np.arange(len(assets)), assets, fontsize=8)
    ax.set_xlabel("seconds per batch (bar: median; dots: each partition run)")
    ax.set_title("Measured collection time per site and batch (under the rate limits)")
    return _png(fig)
