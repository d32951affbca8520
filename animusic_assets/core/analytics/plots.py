"""PNG plots of engagement and adaptation (matplotlib, headless). Every axis says what it is."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from animusic_assets.core.evaluation.report import figure_png as _png


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
    for ax, metric, label in ((axes[0], "like_rate", "like rate (liked items / items)"),
                              (axes[1], "watch_ratio", "mean watch ratio (capped at 1)")):
        value = summary[metric].to_numpy(dtype=float)
        low = summary[f"{metric}_ci_low"].to_numpy(dtype=float)
        high = summary[f"{metric}_ci_high"].to_numpy(dtype=float)
        err = np.nan_to_num(np.vstack([value - low, high - value]))
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
        3, 1, figsize=(8, 8.5), sharex=True, gridspec_kw={"height_ratios": [3, 3, 1.6]})
    for model, g in exposure.groupby("model"):
        line, = ax_like.plot(g["exposure"], g["like_rate"], marker="o", ms=3, label=model)
        ax_like.fill_between(g["exposure"], g["like_rate_ci_low"], g["like_rate_ci_high"],
                             color=line.get_color(), alpha=0.12)
        ax_watch.plot(g["exposure"], g["watch_ratio"], marker="o", ms=3,
                      color=line.get_color(), label=model)
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
