"""Blocking checks on every dense model: a bad matrix never reaches the published bundle."""

from typing import Any

import dagster as dg
import numpy as np
import pandas as pd

from animusic_assets.automation import check_with_asset
from animusic_assets.core.tfidf import TfidfModel
from animusic_assets.core.vectors import SongVectors
from animusic_assets.defs.models.node2vec import node2vec_model
from animusic_assets.defs.models.tfidf import tfidf_model
from animusic_assets.defs.models.transformers import minilm_model, mpnet_model

# models whose songs have no edges / no text may legitimately have a few zero rows
MAX_ZERO_ROW_SHARE = 0.05
# share of songs whose nearest TF-IDF neighbour comes from the same anime; documents of one
# anime share its titles, genres and studio, so a healthy model is far above chance
MIN_SAME_ANIME_NEIGHBOURS = 0.5
NEIGHBOUR_SAMPLE = 2000


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
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={"problems": problems or ["none"], "shape": list(vectors.matrix.shape)},
    )


@dg.asset_check(
    asset=node2vec_model,
    blocking=True,
    automation_condition=check_with_asset(),
    additional_ins={"catalog": dg.AssetIn("catalog")},
    description="One finite float32 row per catalog song, of the model's dimension, "
    "at most 5% zero rows.",
)
def node2vec_vectors_valid(
    node2vec_model: SongVectors, catalog: pd.DataFrame
) -> dg.AssetCheckResult:
    return _result(node2vec_model, catalog)


@dg.asset_check(
    asset=minilm_model,
    blocking=True,
    automation_condition=check_with_asset(),
    additional_ins={"catalog": dg.AssetIn("catalog")},
    description="One finite float32 row per catalog song, of the model's dimension, "
    "at most 5% zero rows.",
)
def minilm_vectors_valid(minilm_model: SongVectors, catalog: pd.DataFrame) -> dg.AssetCheckResult:
    return _result(minilm_model, catalog)


@dg.asset_check(
    asset=mpnet_model,
    blocking=True,
    automation_condition=check_with_asset(),
    additional_ins={"catalog": dg.AssetIn("catalog")},
    description="One finite float32 row per catalog song, of the model's dimension, "
    "at most 5% zero rows.",
)
def mpnet_vectors_valid(mpnet_model: SongVectors, catalog: pd.DataFrame) -> dg.AssetCheckResult:
    return _result(mpnet_model, catalog)


@dg.asset_check(
    asset=tfidf_model,
    blocking=True,
    automation_condition=check_with_asset(),
    additional_ins={"catalog": dg.AssetIn("catalog")},
    description="One finite row per catalog song, and at least half of the songs have "
    "a nearest neighbour from the same anime.",
)
def tfidf_rows_valid_and_neighbours_sane(
    tfidf_model: TfidfModel, catalog: pd.DataFrame
) -> dg.AssetCheckResult:
    matrix = tfidf_model.matrix
    problems = []
    if matrix.shape[0] != len(catalog):
        problems.append(f"{matrix.shape[0]} rows for {len(catalog)} catalog rows")
    if not np.isfinite(matrix.data).all():
        problems.append("NaN or inf values")
    share = (
        same_anime_neighbour_share(matrix, catalog["anime_id"].to_numpy()) if not problems else 0.0
    )
    if share < MIN_SAME_ANIME_NEIGHBOURS:
        problems.append(f"only {share:.0%} of songs have a same-anime nearest neighbour")
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "problems": problems or ["none"],
            "same_anime_share": round(share, 3),
            "minimum": MIN_SAME_ANIME_NEIGHBOURS,
        },
    )


def same_anime_neighbour_share(matrix: Any, anime: np.ndarray) -> float:
    """Among songs whose anime has other songs, the share whose nearest neighbour (by cosine
    of L2-normalised rows) is from the same anime; a seeded sample bounds the cost."""
    _, codes = np.unique(anime, return_inverse=True)
    rows = np.flatnonzero(np.bincount(codes)[codes] > 1)
    if not len(rows):
        return 1.0
    rows = np.random.default_rng(0).choice(
        rows, size=min(len(rows), NEIGHBOUR_SAMPLE), replace=False
    )
    similarity = matrix[rows] @ matrix.T
    similarity = similarity.toarray() if hasattr(similarity, "toarray") else np.asarray(similarity)
    similarity[np.arange(len(rows)), rows] = -np.inf
    return float((anime[similarity.argmax(axis=1)] == anime[rows]).mean())
