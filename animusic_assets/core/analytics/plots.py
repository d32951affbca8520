"""PNG plots of engagement and adaptation (matplotlib, headless). Every axis says what it is."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from animusic_assets.core.evaluation.report import figure_png as _png


def error_bars(value: ArrayLike, low: ArrayLike, high: ArrayLike) -> np.ndarray:
    """matplotlib's (2, n) yerr from an interval: NaN as 0, and never negative (a percentile
    interval can miss its own mean by a rounding error, or wholly when all draws agree)."""
    value = np.asarray(value, dtype=float)
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return np.clip(np.nan_to_num(np.vstack([value - low, high - value])), 0, None)


def _empty(message: str) -> bytes:
    fig, ax = plt.subplots(figsize=(6, 1.5))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center")
    return _png(fig)


def model_summary_png(summary: pd.DataFrame) -> bytes:
    """Like rate and mean watch ratio per model with their 95 % CIs."""
    if summary.empty:
        return _empty("no impressions or feedback yet")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    x = np.arange(len(summary))
    for ax, metric, label in (
        (axes[0], "like_rate", "like rate (liked items / items)"),
        (axes[1], "watch_ratio", "mean watch ratio (capped at 1)"),
    ):
        value = summary[metric].to_numpy(dtype=float)
        low = summary[f"{metric}_ci_low"].to_numpy(dtype=float)
        high = summary[f"{metric}_ci_high"].to_numpy(dtype=float)
        err = error_bars(value, low, high)
        colours = ["#888888" if m in ("popular", "random") else "#3b6ea8" for m in summary.index]
        ax.bar(x, np.nan_to_num(value), yerr=err, capsize=3, color=colours)
        ax.set_xticks(x, summary.index, rotation=30, ha="right")
        ax.set_ylabel(label)
        ax.set_xlabel("model")
        ax.set_ylim(0, 1)
    axes[0].set_title("Like rate per model (95 % Wilson CI; grey: baselines)")
    axes[1].set_title("Watch ratio per model (95 % bootstrap CI)")
    return _png(fig)


def exposure_png(exposure: pd.DataFrame, max_exposure: int | None = None) -> bytes:
    """Like rate, watch ratio and users reaching each exposure, one line per model."""
    if exposure.empty:
        return _empty("no exposures yet")
    if max_exposure:
        exposure = exposure[exposure["exposure"] <= max_exposure]
    fig, (ax_like, ax_watch, ax_users) = plt.subplots(
        3, 1, figsize=(8, 8.5), sharex=True, gridspec_kw={"height_ratios": [3, 3, 1.6]}
    )
    for model, g in exposure.groupby("model"):
        (line,) = ax_like.plot(g["exposure"], g["like_rate"], marker="o", ms=3, label=model)
        ax_like.fill_between(
            g["exposure"],
            g["like_rate_ci_low"],
            g["like_rate_ci_high"],
            color=line.get_color(),
            alpha=0.12,
        )
        ax_watch.plot(
            g["exposure"], g["watch_ratio"], marker="o", ms=3, color=line.get_color(), label=model
        )
        ax_users.plot(g["exposure"], g["users"], color=line.get_color(), label=model)
    ax_like.set_ylabel("like rate")
    ax_like.set_ylim(0, 1)
    ax_like.set_title("Adaptation: the n-th song a model showed a user (bands: 95 % Wilson CI)")
    ax_like.legend(fontsize=8, ncol=4)
    ax_watch.set_ylabel("mean watch ratio")
    ax_watch.set_ylim(0, 1)
    ax_users.set_ylabel("users reaching\nthis exposure")
    ax_users.set_xlabel("exposure number (per user and model)")
    return _png(fig)


def adaptation_png(
    exposure: pd.DataFrame, trends: pd.DataFrame, outcome: str, max_exposure: int
) -> bytes:
    """One panel per model, as the original study drew it: the outcome by exposure number
    with its 95 % interval, the fitted linear trend (dashed, slope interval in the title), and
    grey bars of the users reaching each exposure (right axis)."""
    label = {"like_rate": "like rate", "watch_ratio": "mean watch ratio"}[outcome]
    exposure = exposure[exposure["exposure"] <= max_exposure]
    models = sorted(exposure["model"].unique())
    if not models:
        return _empty("no exposures yet")
    cols = min(4, len(models))
    rows = int(np.ceil(len(models) / cols))
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.4 * cols, 2.9 * rows + 0.6), squeeze=False, sharey=True
    )
    for ax, model in zip(axes.flat, models, strict=False):
        g = exposure[exposure["model"] == model].sort_values("exposure")
        bars = ax.twinx()
        bars.bar(g["exposure"], g["users"], color="#d0d0d0", width=0.8, label="users reaching it")
        bars.set_ylim(0, max(1, g["users"].max()) * 3)  # bars stay in the lower third
        bars.set_ylabel("users", color="#888888", fontsize=8)
        bars.tick_params(axis="y", colors="#888888", labelsize=7)
        ax.set_zorder(bars.get_zorder() + 1)
        ax.patch.set_visible(False)
        value = g[outcome].to_numpy(dtype=float)
        err = error_bars(value, g[f"{outcome}_ci_low"], g[f"{outcome}_ci_high"])
        ax.errorbar(
            g["exposure"],
            value,
            yerr=err,
            fmt="o",
            ms=3,
            capsize=2,
            color="#3b6ea8",
            label=f"{label} (95 % CI)",
        )
        title = model
        if model in trends.index and not np.isnan(trends.loc[model, "slope"]):
            t = trends.loc[model]
            x = np.array([1, g["exposure"].max()], dtype=float)
            ax.plot(x, t["intercept"] + t["slope"] * x, "--", color="#c0392b", label="fitted trend")
            title += (
                f"\nslope {t['slope']:+.3f}/exposure "
                f"[{t['slope_ci_low']:+.3f}, {t['slope_ci_high']:+.3f}]"
            )
        ax.set_title(title, fontsize=9)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("exposure number", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
    for ax in axes[:, 0]:
        ax.set_ylabel(label)
    for ax in list(axes.flat)[len(models) :]:
        ax.axis("off")
    handles = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles[0] + [plt.Rectangle((0, 0), 1, 1, color="#d0d0d0")],
        handles[1] + ["users reaching the exposure (right axis)"],
        loc="upper center",
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    fig.suptitle(" ", fontsize=4)  # room for the legend above the panels
    return _png(fig)
