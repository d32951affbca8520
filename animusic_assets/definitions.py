"""The Dagster code location: every module under ``defs/`` is loaded by convention.

A new asset, check, job, schedule or sensor module under ``animusic_assets/defs`` needs no edit
here (``dg.load_from_defs_folder``; the project is described by ``[tool.dg]`` in pyproject.toml).
"""

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
