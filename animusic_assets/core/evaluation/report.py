"""Render evaluation results as markdown tables and PNG plots."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # headless: no display on servers or in CI
import matplotlib.pyplot as plt
import pandas as pd


def markdown_table(frame: pd.DataFrame, floatfmt: str = ".3f") -> str:
    return frame.to_markdown(floatfmt=floatfmt)


def ranking_bar_png(ranking: pd.DataFrame, metric: str) -> bytes:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ordered = ranking[metric].sort_values(ascending=False)
    colours = ["#888888" if m in ("popular", "random") else "#3b6ea8" for m in ordered.index]
    ax.bar(ordered.index, ordered.values, color=colours)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} per model (grey: baselines)")
    return figure_png(fig)


def like_rate_by_exposure_png(by_exposure: pd.DataFrame) -> bytes:
    fig, (ax, ax_users) = plt.subplots(2, 1, figsize=(7, 6), sharex=True,
                                       gridspec_kw={"height_ratios": [3, 1]})
    for model, group in by_exposure.groupby("model"):
        ax.plot(group["exposure"], group["like_rate"], marker="o", ms=3, label=model)
        ax_users.plot(group["exposure"], group["users"], label=model)
    ax.set_ylabel("like rate")
    ax.set_title("Like rate by exposure number (the n-th song a model showed a user)")
    ax.legend(fontsize=8, ncol=4)
    ax_users.set_xlabel("exposure number")
    ax_users.set_ylabel("users reaching it")
    return figure_png(fig)


def figure_png(fig) -> bytes:
    """Render a matplotlib figure to PNG bytes and free it (shared by every report)."""
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()
