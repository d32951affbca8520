"""(a) Ranking quality per model, computed with the service's own recommender code."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from animusic_assets.core.evaluation import metrics as M
from animusic_assets.core.evaluation.split import UserSplit
from animusic_serving.bundle import Bundle
from animusic_serving.recommend.playlist import candidate_mask
from animusic_serving.recommend.profile import Profile, build_profile
from animusic_serving.recommend.scorers import score

# a fixed "day" makes every user's cold-start sample reproducible
EVAL_DAY = dt.date(2024, 1, 1)


def cold_start_profile(bundle: Bundle, split: UserSplit) -> Profile:
    """The profile serving builds for a user who imported ``split.imported`` and has no
    feedback yet: a seeded sample of those anime's songs stands in as positives."""
    return build_profile(
        [],
        bundle.row_of,
        bundle.songs["anime_id"].to_numpy(),
        anime_list=split.imported,
        username=split.user_id,
        day=EVAL_DAY,
        popularity=bundle.scores.get("popular"),
    )


def evaluation_candidates(bundle: Bundle, profile: Profile, split: UserSplit) -> np.ndarray:
    """Serving's candidate mask, minus every song of an anime the user imported.

    Those anime are the user's "training" items: recommending their other songs is fine in
    the product but says nothing about discovering what the user liked and did not list, so
    (as in the usual leave-out protocol) they are not ranking candidates.
    """
    anime_ids = bundle.songs["anime_id"].to_numpy()
    mask = candidate_mask(anime_ids, profile) & ~np.isin(anime_ids, split.imported)
    return mask if mask.any() else candidate_mask(anime_ids, profile)


def top_k(
    bundle: Bundle, model: str, profile: Profile, k: int, seed: int, mask: np.ndarray
) -> np.ndarray:
    """The model's k best candidates in ``mask``, best first, at most one song per anime
    (the playlist's own rule: a list of ten songs from three anime is not ten picks)."""
    scores = np.where(
        mask,
        score(
            bundle,
            model,
            profile.positive_rows,
            np.random.default_rng(seed),
            seed_anime=profile.listed_anime,
        ),
        -np.inf,
    )
    return best_per_anime(scores, bundle.songs["anime_id"].to_numpy(), k)


def best_per_anime(scores: np.ndarray, anime_ids: np.ndarray, k: int) -> np.ndarray:
    """Rows of the k best-scoring anime's best songs, best first; -inf rows never count.

    Looks at a short head first (argpartition): k anime rarely need more than a few
    hundred songs; only when the head is too short does it sort everything.
    """
    head = min(len(scores), max(64, 40 * k))
    for size in (head, len(scores)):
        order = (
            np.argpartition(-scores, size - 1)[:size]
            if size < len(scores)
            else np.arange(len(scores))
        )
        order = order[np.argsort(-scores[order], kind="stable")]
        order = order[np.isfinite(scores[order])]
        _, first = np.unique(anime_ids[order], return_index=True)
        if len(first) >= k or size == len(scores):
            return order[np.sort(first)[:k]]
    raise AssertionError("unreachable")


def evaluate_ranking(
    bundle: Bundle,
    splits: list[UserSplit],
    models: list[str],
    k: int = 10,
    recall_k: int = 50,
    seed: int = 0,
    per_user: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """One row per model: HR@k, NDCG@k, anime Recall@recall_k, coverage, ILS, popularity rank.
    ``per_user``, when given, receives one frame per model with each user's values (for
    intervals over users)."""
    anime_ids = bundle.songs["anime_id"].to_numpy()
    pop_rank = (
        M.popularity_ranks(bundle.scores["popular"])
        if "popular" in bundle.scores
        else np.arange(1, bundle.n_songs + 1)
    )
    shared_vectors = bundle.tfidf if bundle.tfidf is not None else next(iter(bundle.dense.values()))
    rows = []
    for model in models:
        hits, ndcgs, recalls, ils, pops, shown = [], [], [], [], [], set()
        for i, split in enumerate(splits):
            profile = cold_start_profile(bundle, split)
            mask = evaluation_candidates(bundle, profile, split)
            ranked = top_k(bundle, model, profile, max(k, recall_k), seed + i, mask)
            relevant = np.isin(anime_ids[ranked], split.held_out)
            # one song per anime in a list, so the ideal list holds one per held-out anime
            n_relevant = int(np.unique(anime_ids[np.isin(anime_ids, split.held_out) & mask]).size)
            hits.append(M.hit_at_k(relevant, k))
            ndcgs.append(M.ndcg_at_k(relevant, n_relevant, k))
            held = np.intersect1d(split.held_out, anime_ids)
            recalls.append(M.anime_recall_at_k(anime_ids[ranked], held, recall_k))
            ils.append(M.intra_list_similarity(ranked[:k], shared_vectors))
            pops.append(pop_rank[ranked[:k]].mean())
            shown.update(ranked[:k].tolist())
        if per_user is not None:
            per_user.append(
                pd.DataFrame(
                    {
                        "model": model,
                        "user_id": [s.user_id for s in splits],
                        f"HR@{k}": hits,
                        f"NDCG@{k}": ndcgs,
                        f"anime_Recall@{recall_k}": recalls,
                        "ILS": ils,
                        "mean_pop_rank": pops,
                    }
                )
            )
        rows.append(
            {
                "model": model,
                "users": len(splits),
                f"HR@{k}": np.mean(hits),
                f"NDCG@{k}": np.mean(ndcgs),
                f"anime_Recall@{recall_k}": np.mean(recalls),
                "coverage": len(shown) / bundle.n_songs,
                "ILS": np.mean(ils),
                "mean_pop_rank": np.mean(pops),
            }
        )
    return pd.DataFrame(rows).set_index("model")
