"""Choose the hybrid model's weights on the tuning half of the users (never the report half)."""

from __future__ import annotations

import itertools

import numpy as np

from animusic_assets.core.evaluation import metrics as M
from animusic_assets.core.evaluation.ranking import (
    best_per_anime,
    cold_start_profile,
    evaluation_candidates,
)
from animusic_assets.core.evaluation.split import UserSplit
from animusic_serving.bundle import Bundle
from animusic_serving.recommend.scorers import SIMILARITY_MODELS, has_scorer, hybrid_components

POPULARITY_GRID = (0.0, 0.25, 0.5, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
FRANCHISE_GRID = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0)
EXTRA_SIMILARITY_GRID = (0.0, 0.5)
# with the collaborative lists model the grid spends its points on lists' weight instead:
# it is several times stronger than TF-IDF, so it is tried at up to 64x the anchor, and the
# franchise affinity (which then sees the imported list's franchises) rises with it
# (README "The lists model": the tuning users chose lists 32, franchise 16 on the dev lists)
LISTS_GRID = (0.0, 8.0, 16.0, 32.0, 64.0)
POPULARITY_GRID_WITH_LISTS = (0.0, 0.25, 0.5, 1.0)
FRANCHISE_GRID_WITH_LISTS = (0.0, 4.0, 8.0, 16.0, 32.0)


def weight_grid(bundle: Bundle) -> list[dict[str, float]]:
    """TF-IDF is the anchor (weight 1); every other similarity model the bundle has is tried
    at 0 or 0.5, the priors over their grids, and ``lists`` (when present) over LISTS_GRID."""
    others = [m for m in SIMILARITY_MODELS if m != "tfidf" and has_scorer(bundle, m)]
    with_lists = has_scorer(bundle, "lists")
    popularity = POPULARITY_GRID_WITH_LISTS if with_lists else POPULARITY_GRID
    franchise = FRANCHISE_GRID_WITH_LISTS if with_lists else FRANCHISE_GRID
    grid = []
    for lists, pop, fr, *extra in itertools.product(
        LISTS_GRID if with_lists else (0.0,),
        popularity,
        franchise,
        *[EXTRA_SIMILARITY_GRID] * len(others),
    ):
        weights = {"tfidf": 1.0, "popularity": pop, "franchise": fr}
        weights.update({m: w for m, w in zip(others, extra, strict=True) if w})
        if lists:
            weights["lists"] = lists
        grid.append(weights)
    return grid


def tune_hybrid(
    bundle: Bundle, tuning: list[UserSplit], k: int = 10
) -> tuple[dict[str, float], list[dict]]:
    """Best weights by mean NDCG@k on ``tuning`` users, and every tried combination's score.

    Each user's components are computed once; every weight combination is then one matrix
    product (combinations x songs), so the whole grid costs little more than one model.
    """
    grid = weight_grid(bundle)
    names = sorted({n for w in grid for n in w})
    weights = np.array([[w.get(n, 0.0) for n in names] for w in grid])  # (G, C)
    anime_ids = bundle.songs["anime_id"].to_numpy()
    totals = np.zeros(len(grid))
    for split in tuning:
        profile = cold_start_profile(bundle, split)
        parts = hybrid_components(
            bundle, profile.positive_rows, names, seed_anime=profile.listed_anime
        )
        stacked = np.stack([parts.get(n, np.zeros(bundle.n_songs)) for n in names])  # (C, N)
        mask = evaluation_candidates(bundle, profile, split)
        scores = np.where(mask, weights @ stacked, -np.inf)  # (G, N)
        relevant = np.array(
            [
                np.isin(anime_ids[best_per_anime(row, anime_ids, k)], split.held_out)
                for row in scores
            ]
        )  # (G, <=k)
        n_relevant = int(np.unique(anime_ids[np.isin(anime_ids, split.held_out) & mask]).size)
        ideal = M.dcg(np.ones(min(k, n_relevant)))
        if ideal > 0:
            totals += (relevant / np.log2(np.arange(2, relevant.shape[1] + 2))).sum(axis=1) / ideal
    means = totals / max(len(tuning), 1)
    trials = [{"weights": w, f"NDCG@{k}": float(v)} for w, v in zip(grid, means, strict=True)]
    return grid[int(np.argmax(means))], trials
