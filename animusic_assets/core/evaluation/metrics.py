"""Ranking metrics over top-k lists of bundle rows.

Relevance is binary: a song is relevant when its anime is held out for the user. NDCG's ideal
ranking puts min(k, relevant candidate songs) hits first.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def dcg(relevant: np.ndarray) -> float:
    return float((relevant / np.log2(np.arange(2, len(relevant) + 2))).sum())


def ndcg_at_k(relevant_in_ranking: np.ndarray, n_relevant: int, k: int) -> float:
    ideal = dcg(np.ones(min(k, n_relevant)))
    return dcg(relevant_in_ranking[:k].astype(float)) / ideal if ideal > 0 else 0.0


def hit_at_k(relevant_in_ranking: np.ndarray, k: int) -> float:
    return float(relevant_in_ranking[:k].any())


def anime_recall_at_k(ranked_anime: np.ndarray, held_out: np.ndarray, k: int) -> float:
    """Share of held-out anime (with songs in the catalog) that appear in the top k."""
    if not len(held_out):
        return 0.0
    return float(np.isin(held_out, ranked_anime[:k]).sum() / len(held_out))


def intra_list_similarity(rows: np.ndarray, item_vectors: Any) -> float:
    """Mean pairwise cosine of a list's items in one shared representation (L2-normalised
    rows), so models are compared on the same yardstick."""
    if len(rows) < 2:
        return 0.0
    block = item_vectors[rows]
    sims = block @ block.T
    sims = sims.toarray() if hasattr(sims, "toarray") else np.asarray(sims)
    n = len(rows)
    return float((sims.sum() - np.trace(sims)) / (n * (n - 1)))


def popularity_ranks(popularity: np.ndarray) -> np.ndarray:
    """1 for the most popular song, n for the least."""
    order = np.argsort(-np.asarray(popularity), kind="stable")
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    if trials == 0:
        return (0.0, 0.0)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))
