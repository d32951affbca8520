"""Markdown tables and PNG rendering shared by every report (the evaluation's HTML report is
``report_html``)."""

from __future__ import annotations

import io

import matplotlib
from matplotlib.figure import Figure

matplotlib.use("Agg")  # headless: no display on servers or in CI
import matplotlib.pyplot as plt
import pandas as pd

from animusic_assets.core.analytics.report_doc import md_table


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A Markdown table with integer columns as integers (``400``, not ``400.000``)."""
    return md_table(frame, digits)


def figure_png(fig: Figure) -> bytes:
    """Render a matplotlib figure to PNG bytes and free it (shared by every report)."""
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()
