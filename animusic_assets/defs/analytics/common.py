"""Helpers shared by the analytics assets: where reports go, PNGs as inline metadata."""

import base64
from pathlib import Path

import dagster as dg
import pandas as pd

from animusic_assets.resources.settings import settings_from_env


def reports_dir(configured: str) -> Path:
    root = Path(configured or settings_from_env().reports_root()) / "analytics"
    root.mkdir(parents=True, exist_ok=True)
    return root


def png_md(name: str, png: bytes) -> dg.MetadataValue:
    return dg.MetadataValue.md(f"![{name}](data:image/png;base64,{base64.b64encode(png).decode()})")


def table_md(frame: pd.DataFrame, floatfmt: str = ".3f") -> dg.MetadataValue:
    if frame.empty:
        return dg.MetadataValue.md("_(no rows)_")
    return dg.MetadataValue.md(frame.to_markdown(floatfmt=floatfmt))
