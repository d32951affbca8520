"""Markdown tables and PNG rendering shared by every report (the evaluation's HTML report is
``report_html``)."""

from __future__ import annotations

import io

import matplotlib
from matplotlib.figure import Figure

matplotlib.use("Agg")  # headless: no display on servers or in CI
import matplotlib.pyplot as plt
import pandas as pd


def markdown_table(frame: pd.DataFrame, floatfmt: str = ".3f") -> str:
    return frame.to_markdown(floatfmt=floatfmt)


def figure_png(fig: Figure) -> bytes:
    """Render a matplotlib figure to PNG bytes and free it (shared by every report)."""
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()
