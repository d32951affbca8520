"""Nearest-neighbour lists: each song's ``k`` most similar songs, computed once at publish.

The nearest-profile models (the sentence transformers, node2vec and TF-IDF) score a
candidate by its cosine to the *nearest* profile song (see ``scorers``). Done directly, that
is a (songs x dim) x (dim x profile) product per request: 12 ms for MPNet at 15,000 songs and
59 profile songs on one core, more than the whole playlist's budget. Every row's top ``k``
neighbours change only when the bundle does, so the publisher stores them
(``<model>.knn_rows.npy`` int32 and ``<model>.knn_sims.npy`` float32, best first) and a
request only gathers ``profile x k`` entries.

What the lists give exactly. Let ``tau`` be the largest k-th-neighbour similarity over the
profile rows. A song missing from row r's list has cosine <= that list's k-th value to r, so
every song whose nearest-profile cosine is at least ``tau`` gets exactly its cosine. Songs in
no list are placed below every listed song, the more popular first (``tail_order``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

BLOCK_ROWS = 1024  # rows per similarity block: 1024 x 15,000 float32 = 61 MB of temporaries


def top_neighbours(matrix: np.ndarray | sp.spmatrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` most similar other rows by dot product (cosine on L2-normalised
    rows), best first: ``(rows int32 (n, k), sims float32 (n, k))``. A row never lists
    itself; with fewer than k + 1 rows, k shrinks to n - 1. ``matrix``: dense, or sparse
    (TF-IDF; each block of products is densified, the rest stays sparse)."""
    if sp.issparse(matrix):
        matrix = sp.csr_matrix(matrix, dtype=np.float32)
        transposed = matrix.T.tocsr()  # converted once, not once per block
    else:
        matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        transposed = matrix.T
    n = matrix.shape[0]
    k = int(min(k, n - 1))
    if k < 1:
        return np.zeros((n, 0), np.int32), np.zeros((n, 0), np.float32)
    rows_out = np.empty((n, k), dtype=np.int32)
    sims_out = np.empty((n, k), dtype=np.float32)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        sims = matrix[start:stop] @ transposed
        if sp.issparse(sims):
            sims = sims.toarray()
        sims[np.arange(stop - start), np.arange(start, stop)] = -np.inf  # not its own neighbour
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        part_sims = np.take_along_axis(sims, part, axis=1)
        order = np.argsort(-part_sims, axis=1, kind="stable")
        rows_out[start:stop] = np.take_along_axis(part, order, axis=1)
        sims_out[start:stop] = np.take_along_axis(part_sims, order, axis=1)
    return rows_out, sims_out


def tail_offsets(tail_order: np.ndarray | None, n: int) -> np.ndarray:
    """Where songs in no list go, relative to the lowest listed similarity: -1e-3 for the
    best of ``tail_order`` down to -2e-3 for the worst (float32). Depends only on the bundle,
    so callers compute it once per version (``Bundle.derived``)."""
    if tail_order is None:
        return np.full(n, -1e-3, dtype=np.float32)
    tail = np.asarray(tail_order, dtype=np.float64)
    span = float(tail.max() - tail.min()) or 1.0
    return (-1e-3 - 1e-3 * (tail.max() - tail) / span).astype(np.float32)


def listed_nearest_scores(
    n: int,
    profile_rows: np.ndarray,
    knn_rows: np.ndarray,
    knn_sims: np.ndarray,
    tail_order: np.ndarray | None = None,
    *,
    offsets: np.ndarray | None = None,
) -> np.ndarray:
    """Nearest-profile cosine from the neighbour lists (exact above ``tau``, module doc).

    ``tail_order``: higher first among songs in no list (e.g. a popularity prior); they all
    score below the lowest listed similarity, by ``offsets`` (= ``tail_offsets(tail_order)``,
    pass it precomputed to save ~0.2 ms at 15k songs). Profile rows score 1 (their own
    cosine)."""
    rows = np.asarray(profile_rows, dtype=np.int64)
    out = np.full(n, -np.inf, dtype=np.float32)
    np.maximum.at(
        out,
        np.asarray(knn_rows[rows]).ravel(),
        np.asarray(knn_sims[rows], dtype=np.float32).ravel(),
    )
    out[rows] = 1.0
    listed = np.isfinite(out)
    if listed.all():
        return out
    floor = np.float32(out[listed].min()) if listed.any() else np.float32(0.0)
    if offsets is None:
        offsets = tail_offsets(tail_order, n)
    # same scale as the cosines, never above a listed song, in tail order among themselves
    return np.where(listed, out, offsets + floor)
