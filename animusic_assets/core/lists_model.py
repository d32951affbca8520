"""The ``lists`` model: EASE (Steck, "Embarrassingly Shallow Autoencoders", WWW 2019) on the
anime x user matrix of positive list entries.

With X the (users x anime) 0/1 matrix and G = XᵀX, the closed form is

    P = (G + λI)⁻¹,   B = I − P · diagMat(1 / diag(P)),   then diag(B) = 0,

i.e. ``B[i, j] = −P[i, j] / P[j, j]`` off the diagonal. A user's score for anime j is
``Σ_{i in their positives} B[i, j]``.

Size: training inverts an (n x n) matrix, so n is capped. The ``max_anime`` most-listed anime
(at least ``min_anime_users`` positive users each) are modelled; rarer ones are set aside and
counted (their co-occurrence counts are a handful of users: noise, and they are anime almost
nobody's list can reach). Up to ``dense_max_anime`` the whole B is stored (float32, n²);
above it only each row's ``top_k`` largest weights, so a 20k-anime input trains in the
memory of a 6k x 6k float32 matrix (~150 MB, a few copies) and the bundle holds n x k.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

DEFAULT_L2 = 200.0
L2_GRID = (50.0, 100.0, 200.0, 400.0, 800.0)
MIN_USERS = 50  # below this many users with positives the model is left out of the bundle
MIN_ANIME_USERS = 3
MAX_ANIME = 6_000
DENSE_MAX_ANIME = 4_000
TOP_K = 200


@dataclass
class ListsModel:
    anime_ids: np.ndarray  # int64 MAL ids, one per row/column of B
    weights: np.ndarray | None = None  # float32 (n, n): the whole B (small n)
    knn_rows: np.ndarray | None = None  # int32 (n, k): each row's largest weights' columns
    knn_weights: np.ndarray | None = None  # float32 (n, k), best first
    params: dict = field(default_factory=dict)

    @property
    def n_anime(self) -> int:
        return len(self.anime_ids)

    def row(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(columns, weights) of one anime's row: every column when dense."""
        if self.weights is not None:
            return np.arange(self.n_anime), self.weights[index]
        assert self.knn_rows is not None and self.knn_weights is not None
        return self.knn_rows[index].astype(np.int64), self.knn_weights[index]


def interaction_matrix(
    pairs: pd.DataFrame, min_anime_users: int = MIN_ANIME_USERS, max_anime: int = MAX_ANIME
) -> tuple[sp.csr_matrix, np.ndarray, int]:
    """(X users x anime as float32 CSR, the anime ids of its columns, anime set aside).

    Columns: anime with >= ``min_anime_users`` positive users, the ``max_anime`` most-listed
    (ties by MAL id, so the result does not depend on row order)."""
    counts = pairs.groupby("mal_id")["user_key"].nunique()
    kept = counts[counts >= min_anime_users]
    kept = kept.reset_index().sort_values(["user_key", "mal_id"], ascending=[False, True])
    anime_ids = np.sort(kept["mal_id"].to_numpy(dtype=np.int64)[:max_anime])
    set_aside = int(len(counts) - len(anime_ids))
    rows = pairs[pairs["mal_id"].isin(anime_ids)]
    users, user_index = np.unique(rows["user_key"].to_numpy(), return_inverse=True)
    columns = np.searchsorted(anime_ids, rows["mal_id"].to_numpy(dtype=np.int64))
    matrix = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (user_index, columns)),
        shape=(len(users), len(anime_ids)),
    )
    matrix.data[:] = 1.0  # a duplicate pair counts once
    return matrix, anime_ids, set_aside


def gram(matrix: sp.csr_matrix) -> np.ndarray:
    return np.asarray((matrix.T @ matrix).toarray(), dtype=np.float32)


def ease_weights(gram_matrix: np.ndarray, l2: float) -> np.ndarray:
    """B from G = XᵀX (float32, zero diagonal). ``gram_matrix`` is not modified."""
    if l2 <= 0:
        raise ValueError(f"l2 must be > 0, got {l2}")
    regularised = np.array(gram_matrix, dtype=np.float32, copy=True)
    regularised[np.diag_indices_from(regularised)] += np.float32(l2)
    weights = np.linalg.inv(regularised)
    del regularised
    weights /= -np.diag(weights)[None, :]  # B[i, j] = -P[i, j] / P[j, j]
    weights[np.diag_indices_from(weights)] = 0.0
    return weights.astype(np.float32, copy=False)


def top_k_per_row(weights: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k largest weights (columns int32, weights float32), best first."""
    k = min(k, weights.shape[1])
    columns = np.argpartition(-weights, k - 1, axis=1)[:, :k]
    values = np.take_along_axis(weights, columns, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    return (
        np.take_along_axis(columns, order, axis=1).astype(np.int32),
        np.take_along_axis(values, order, axis=1).astype(np.float32),
    )


def anime_scores(model: ListsModel, seed_indices: np.ndarray) -> np.ndarray:
    """Σ of the seed anime's rows of B (float32, one per model anime)."""
    seeds = np.asarray(seed_indices, dtype=np.int64)
    if model.weights is not None:
        return model.weights[seeds].sum(axis=0, dtype=np.float32)
    assert model.knn_rows is not None and model.knn_weights is not None
    return np.bincount(
        model.knn_rows[seeds].ravel(),
        weights=model.knn_weights[seeds].ravel(),
        minlength=model.n_anime,
    ).astype(np.float32)


def train_lists_model(
    pairs: pd.DataFrame,
    l2: float = DEFAULT_L2,
    *,
    min_anime_users: int = MIN_ANIME_USERS,
    max_anime: int = MAX_ANIME,
    dense_max_anime: int = DENSE_MAX_ANIME,
    top_k: int = TOP_K,
    matrix: tuple[sp.csr_matrix, np.ndarray, int] | None = None,
    gram_matrix: np.ndarray | None = None,
) -> ListsModel:
    """EASE on ``pairs`` (``user_key, mal_id`` positives). ``matrix`` / ``gram_matrix``:
    already computed ``interaction_matrix`` / ``gram`` (the λ search reuses them)."""
    x, anime_ids, set_aside = matrix or interaction_matrix(pairs, min_anime_users, max_anime)
    weights = ease_weights(gram(x) if gram_matrix is None else gram_matrix, l2)
    params = {
        "l2": float(l2),
        "users": int(x.shape[0]),
        "anime": len(anime_ids),
        "positives": int(x.nnz),
        "anime_set_aside": set_aside,
        "min_anime_users": min_anime_users,
        "max_anime": max_anime,
    }
    if len(anime_ids) <= dense_max_anime:
        return ListsModel(anime_ids, weights=weights, params={**params, "storage": "dense"})
    rows, values = top_k_per_row(weights, top_k)
    return ListsModel(
        anime_ids,
        knn_rows=rows,
        knn_weights=values,
        params={**params, "storage": "top_k", "top_k": int(rows.shape[1])},
    )
