"""Blocking checks on every dense model: a bad matrix never reaches the published bundle."""

import dagster as dg
import numpy as np
import pandas as pd

from animusic_assets.core.vectors import SongVectors
from animusic_assets.defs.models.node2vec import node2vec_model

# models whose songs have no edges / no text may legitimately have a few zero rows
MAX_ZERO_ROW_SHARE = 0.05


def vectors_problems(vectors: SongVectors, n_rows: int, expected_dim: int | None) -> list[str]:
    matrix = vectors.matrix
    problems = []
    if matrix.ndim != 2 or matrix.shape[0] != n_rows:
        problems.append(f"shape {matrix.shape}: rows not aligned with the {n_rows} catalog rows")
    if expected_dim is not None and matrix.shape[-1] != expected_dim:
        problems.append(f"dimension {matrix.shape[-1]}, expected {expected_dim}")
    if matrix.dtype != np.float32:
        problems.append(f"dtype {matrix.dtype}, expected float32")
    if not np.isfinite(matrix).all():
        problems.append("NaN or inf values")
    zero_share = float((~matrix.any(axis=1)).mean()) if matrix.size else 1.0
    if zero_share > MAX_ZERO_ROW_SHARE:
        problems.append(f"{zero_share:.1%} zero rows")
    return problems


def _result(vectors: SongVectors, catalog: pd.DataFrame) -> dg.AssetCheckResult:
    problems = vectors_problems(vectors, len(catalog), vectors.params.get("dim"))
    return dg.AssetCheckResult(passed=not problems,
                               metadata={"problems": problems or ["none"],
                                         "shape": list(vectors.matrix.shape)})


@dg.asset_check(asset=node2vec_model, blocking=True,
                additional_ins={"catalog": dg.AssetIn("catalog")})
def node2vec_vectors_valid(node2vec_model: SongVectors, catalog: pd.DataFrame) -> dg.AssetCheckResult:
    return _result(node2vec_model, catalog)
