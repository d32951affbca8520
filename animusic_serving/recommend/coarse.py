"""Coarse vectors: a dense model's rows projected onto their top principal directions.

Above ``PublishConfig.neighbours_max_songs`` a bundle carries no neighbour lists, and the
nearest-profile query (``scorers.nearest_profile_scores``) first picks a shortlist with the
mean query, then scores only the shortlist against every profile song. That mean query reads
the whole matrix: 1.5 GB for MiniLM at 1M songs, 130 ms on one core, most of a playlist's
budget. Projected onto its top 64 principal directions (found once, at publish, by an SVD of a
row sample) the same query reads a sixth of the bytes and ranks nearly the same; the shortlist
is then scored exactly with the full vectors, so only which songs make the shortlist can
differ. Files: ``<model>.coarse.npy`` (n, k) float32 and ``<model>.coarse_basis.npy`` (d, k).
"""

from __future__ import annotations

import numpy as np

COARSE_DIMS = 64
SAMPLE_ROWS = 20_000
_CHUNK_ROWS = 200_000  # bounded temporaries while projecting


def coarse_basis(
    matrix: np.ndarray, dims: int = COARSE_DIMS, sample: int = SAMPLE_ROWS, seed: int = 0
) -> np.ndarray:
    """An orthonormal (d, k) basis of the directions that carry most of the rows' dot
    products: the top right-singular vectors of a seeded row sample (not centred, since
    the query is a dot product, not a distance to the mean)."""
    n, d = matrix.shape
    k = int(min(dims, d))
    rows = np.sort(np.random.default_rng(seed).choice(n, size=min(n, sample), replace=False))
    _, _, vt = np.linalg.svd(np.asarray(matrix[rows], dtype=np.float64), full_matrices=False)
    return np.ascontiguousarray(vt[:k].T, dtype=np.float32)


def project(matrix: np.ndarray, basis: np.ndarray) -> np.ndarray:
    out = np.empty((matrix.shape[0], basis.shape[1]), dtype=np.float32)
    for start in range(0, matrix.shape[0], _CHUNK_ROWS):
        stop = min(matrix.shape[0], start + _CHUNK_ROWS)
        out[start:stop] = np.asarray(matrix[start:stop], dtype=np.float32) @ basis
    return out


def coarse_mean_scores(coarse: tuple[np.ndarray, np.ndarray], centroid: np.ndarray) -> np.ndarray:
    """``matrix @ centroid``, approximately, from ``(coarse vectors, basis)``."""
    vectors, basis = coarse
    return np.asarray(vectors @ (np.asarray(centroid, dtype=np.float32) @ basis), dtype=np.float32)
