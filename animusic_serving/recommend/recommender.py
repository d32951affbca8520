"""One call from a user's stored state to a playlist (used by the API and the evaluation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np

from animusic_serving.recommend.playlist import PlaylistItem, build_playlist, playlist_models
from animusic_serving.recommend.profile import COLD_START_K, FeedbackLike, build_profile


def recommend(bundle: Any, feedback: Iterable[FeedbackLike], anime_list: Iterable[int] = (),
              *, username: str = "", day: dt.date | None = None,
              rng: np.random.Generator | None = None, models: list[str] | None = None,
              shuffle_models: bool = True, k: int = COLD_START_K) -> list[PlaylistItem]:
    """The playlist for one user.

    ``shuffle_models``: the order in which models pick (and so the item positions) is drawn
    from ``rng``, so no model systematically gets the first pick or the first slot, which
    would bias the feedback the models are compared on.
    """
    rng = rng if rng is not None else np.random.default_rng()
    profile = build_profile(
        feedback, bundle.row_of, bundle.songs["anime_id"].to_numpy(), anime_list=anime_list,
        username=username, day=day or dt.datetime.now(dt.UTC).date(),
        popularity=bundle.scores.get("popular"), k=k,
    )
    models = playlist_models(bundle) if models is None else list(models)
    if shuffle_models:
        models = [models[i] for i in rng.permutation(len(models))]
    return build_playlist(bundle, profile, models, rng)
