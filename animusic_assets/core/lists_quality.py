"""Sanity of a trained ``lists`` model: finite, well-shaped, and sequels rank near prequels.

People who liked a season mostly list the next one, so in a healthy model a franchise's later
anime (same ``franchise_key``, higher MAL id) sits within the top ``k`` of its first anime's
row. A model trained on shuffled or misaligned ids fails this long before anyone notices it in
a playlist.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from animusic_assets.core.franchise import franchise_key
from animusic_assets.core.lists_model import ListsModel

SEQUEL_TOP_K = 50
MIN_SEQUEL_SHARE = 0.5


def model_problems(model: ListsModel) -> list[str]:
    n = model.n_anime
    problems = []
    if model.anime_ids.ndim != 1 or len(np.unique(model.anime_ids)) != n:
        problems.append("anime ids are not distinct")
    if model.weights is not None:
        if model.weights.shape != (n, n) or model.weights.dtype != np.float32:
            problems.append(
                f"weights {model.weights.shape} {model.weights.dtype}, expected ({n}, {n}) float32"
            )
        elif not np.isfinite(model.weights).all():
            problems.append("NaN or inf weights")
    elif model.knn_rows is not None and model.knn_weights is not None:
        if model.knn_rows.shape[0] != n or model.knn_rows.shape != model.knn_weights.shape:
            problems.append(f"top-k rows {model.knn_rows.shape} do not match {n} anime")
        elif model.knn_rows.size and (model.knn_rows.min() < 0 or model.knn_rows.max() >= n):
            problems.append("top-k columns out of range")
        elif not np.isfinite(model.knn_weights).all():
            problems.append("NaN or inf weights")
    else:
        problems.append("no weights")
    return problems


def franchise_pairs(anime: pd.DataFrame) -> list[tuple[int, int]]:
    """(first anime, later anime) MAL id pairs of each franchise in ``anime``
    (``anime_id, anime_title``)."""
    frame = anime.drop_duplicates("anime_id").assign(
        key=lambda f: f["anime_title"].map(franchise_key)
    )
    pairs = []
    for _, group in frame[frame["key"] != ""].groupby("key"):
        ids = np.sort(group["anime_id"].to_numpy(dtype=np.int64))
        pairs += [(int(ids[0]), int(later)) for later in ids[1:]]
    return pairs


def sequel_share(
    model: ListsModel, pairs: list[tuple[int, int]], k: int = SEQUEL_TOP_K
) -> tuple[float, int]:
    """(share of pairs whose later anime is in the top k of the first's row, pairs scored)."""
    index = {int(a): i for i, a in enumerate(model.anime_ids)}
    scored = hits = 0
    for first, later in pairs:
        if first not in index or later not in index:
            continue
        columns, weights = model.row(index[first])
        top = columns[np.argsort(-weights, kind="stable")[:k]]
        scored += 1
        hits += int(index[later] in set(top.tolist()))
    return (hits / scored if scored else 0.0), scored
