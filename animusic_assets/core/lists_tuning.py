"""Choose the ``lists`` model's λ on the tuning half of the evaluation users.

Each λ is one EASE solve on the same Gram matrix; it is scored at the anime level (NDCG@10 of
the anime ranking against the user's held-out anime, candidates = catalog anime the user did
not import), which ranks λ the way the song-level evaluation does at a fraction of the cost.
The tuning users' held-out anime are already out of ``pairs`` (``lists_data.drop_held_out``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from animusic_assets.core.evaluation.split import UserSplit
from animusic_assets.core.lists_model import (
    L2_GRID,
    ListsModel,
    anime_scores,
    gram,
    interaction_matrix,
    train_lists_model,
)


def anime_ndcg(
    model: ListsModel, splits: Sequence[UserSplit], candidates: np.ndarray, k: int = 10
) -> float:
    """Mean NDCG@k of the model's anime ranking over ``splits`` (users with no imported
    anime the model knows score 0, as a model that cannot rank them)."""
    in_catalog = np.isin(model.anime_ids, candidates)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    total = 0.0
    for split in splits:
        seeds = np.flatnonzero(np.isin(model.anime_ids, split.imported))
        relevant = np.isin(model.anime_ids, split.held_out) & in_catalog
        # every held-out catalog anime counts, known to the model or not (as in the
        # song-level evaluation)
        n_relevant = len(np.intersect1d(split.held_out, candidates))
        if not seeds.size or not n_relevant:
            continue
        scores = np.where(in_catalog, anime_scores(model, seeds), -np.inf)
        scores[seeds] = -np.inf
        top = np.argsort(-scores, kind="stable")[:k]
        gains = relevant[top] & np.isfinite(scores[top])
        total += float(
            (gains * discounts[: len(top)]).sum() / discounts[: min(k, n_relevant)].sum()
        )
    return total / max(len(splits), 1)


def choose_l2(
    pairs: pd.DataFrame,
    tuning: Sequence[UserSplit],
    candidates: np.ndarray,
    grid: Sequence[float] = L2_GRID,
    **train_kwargs: Any,
) -> tuple[ListsModel, list[dict]]:
    """The model trained with the best λ of ``grid`` on ``tuning`` (the first of the grid
    when nobody can be scored), and every λ's score."""
    matrix = interaction_matrix(
        pairs, train_kwargs.get("min_anime_users", 3), train_kwargs.get("max_anime", 6_000)
    )
    gram_matrix = gram(matrix[0])
    best, best_score, trials = None, -1.0, []
    for l2 in grid:
        model = train_lists_model(pairs, l2, matrix=matrix, gram_matrix=gram_matrix, **train_kwargs)
        value = anime_ndcg(model, tuning, candidates) if tuning else 0.0
        trials.append({"l2": float(l2), "anime_NDCG@10": round(value, 4)})
        if value > best_score:
            best, best_score = model, value
    assert best is not None
    best.params["l2_trials"] = trials
    best.params["l2_tuning_users"] = len(tuning)
    return best, trials
