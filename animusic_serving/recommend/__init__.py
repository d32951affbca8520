"""The recommender: pure numpy, shared by the API and the offline evaluation.

``profile``  feedback -> positives, skip set, anime blacklist, cold-start seeds
``scorers``  one score per song for each model (dense cosine, TF-IDF, popular, random, hybrid)
``playlist`` candidate exclusions (with relaxation) and one item per model
``recommend`` ties them together for one user.

No FastAPI, no SQLAlchemy: inputs are a ``Bundle`` (or anything with its attributes) and
plain feedback rows.
"""

from animusic_serving.recommend.playlist import (
    PLAYLIST_MODELS,
    PlaylistItem,
    build_playlist,
    candidate_mask,
    playlist_models,
)
from animusic_serving.recommend.profile import (
    COLD_START_K,
    FeedbackRow,
    Profile,
    build_profile,
    is_positive,
    user_day_seed,
)
from animusic_serving.recommend.recommender import (
    PlannedPlaylist,
    plan_playlist,
    popular_artist_mask,
    recommend,
    relation_mask,
    shuffled_models,
)
from animusic_serving.recommend.scorers import DEFAULT_HYBRID_WEIGHTS, hybrid_components, score

__all__ = [
    "COLD_START_K",
    "DEFAULT_HYBRID_WEIGHTS",
    "PLAYLIST_MODELS",
    "FeedbackRow",
    "PlannedPlaylist",
    "PlaylistItem",
    "Profile",
    "build_playlist",
    "build_profile",
    "candidate_mask",
    "hybrid_components",
    "is_positive",
    "plan_playlist",
    "playlist_models",
    "popular_artist_mask",
    "recommend",
    "relation_mask",
    "score",
    "shuffled_models",
    "user_day_seed",
]
