"""One call from a user's stored state to a playlist (used by the API and the evaluation)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from animusic_serving.recommend.playlist import (
    PlaylistItem,
    anime_id_array,
    build_playlist,
    playlist_models,
)
from animusic_serving.recommend.profile import COLD_START_K, FeedbackLike, Profile, build_profile

# "popular artists" for exclude_popular_artists: the artists holding this share of the
# catalogue's artists with the highest summed song popularity (at least one artist)
POPULAR_ARTIST_FRACTION = 0.05


def shuffled_models(
    bundle: Any, rng: np.random.Generator, models: list[str] | None = None
) -> list[str]:
    """The order in which the models pick for one playlist, drawn from ``rng`` (exactly the
    permutation ``recommend(shuffle_models=True)`` draws first from the same ``rng``)."""
    models = playlist_models(bundle) if models is None else list(models)
    return [models[i] for i in rng.permutation(len(models))]


def relation_mask(bundle: Any, relations: Iterable[str]) -> np.ndarray:
    """Rows whose relation (opening, ending, insert, image) is one of ``relations``."""
    codes, uniques = bundle.derived("relation_codes", _relation_codes)
    wanted = [i for i, r in enumerate(uniques) if r in {str(x).lower() for x in relations}]
    return np.isin(codes, np.asarray(wanted, dtype=codes.dtype))


def popular_artist_mask(bundle: Any) -> np.ndarray:
    """Rows credited to at least one of the catalogue's most popular artists (computed once
    per bundle version)."""
    return bundle.derived("popular_artist_rows", _popular_artist_rows)


def recommend(
    bundle: Any,
    feedback: Iterable[FeedbackLike],
    anime_list: Iterable[int] = (),
    *,
    username: str = "",
    day: dt.date | None = None,
    rng: np.random.Generator | None = None,
    models: list[str] | None = None,
    shuffle_models: bool = True,
    k: int = COLD_START_K,
    exclude_popular_artists: bool = False,
    relations: Iterable[str] | None = None,
) -> list[PlaylistItem]:
    """The playlist for one user (``plan_playlist`` without the profile and scores)."""
    return plan_playlist(
        bundle,
        feedback,
        anime_list,
        username=username,
        day=day,
        rng=rng,
        models=models,
        shuffle_models=shuffle_models,
        k=k,
        exclude_popular_artists=exclude_popular_artists,
        relations=relations,
    ).items


@dataclass(frozen=True)
class PlannedPlaylist:
    items: list[PlaylistItem]
    profile: Profile
    cache: dict  # the scores computed for the profile (``explain`` reuses them)


def plan_playlist(
    bundle: Any,
    feedback: Iterable[FeedbackLike],
    anime_list: Iterable[int] = (),
    *,
    username: str = "",
    day: dt.date | None = None,
    rng: np.random.Generator | None = None,
    models: list[str] | None = None,
    shuffle_models: bool = True,
    k: int = COLD_START_K,
    exclude_popular_artists: bool = False,
    relations: Iterable[str] | None = None,
) -> PlannedPlaylist:
    """The playlist for one user, with the profile it was built from.

    ``shuffle_models``: the order in which models pick (and so the item positions) is drawn
    from ``rng``, so no model systematically gets the first pick or the first slot, which
    would bias the feedback the models are compared on.
    ``exclude_popular_artists``: prefer songs by none of the most popular artists (relaxed
    first when nothing else is left). ``relations``: only these relations (never relaxed).
    """
    rng = rng if rng is not None else np.random.default_rng()
    profile = build_profile(
        feedback,
        bundle.row_of,
        anime_id_array(bundle),
        anime_list=anime_list,
        username=username,
        day=day or dt.datetime.now(dt.UTC).date(),
        popularity=bundle.scores.get("popular"),
        k=k,
    )
    models = playlist_models(bundle) if models is None else list(models)
    if shuffle_models:
        models = shuffled_models(bundle, rng, models)
    allowed = relation_mask(bundle, relations) if relations else None
    preferred = ~popular_artist_mask(bundle) if exclude_popular_artists else None
    cache: dict = {}
    items = build_playlist(
        bundle, profile, models, rng, allowed=allowed, preferred=preferred, cache=cache
    )
    return PlannedPlaylist(items, profile, cache)


def _relation_codes(bundle: Any) -> tuple[np.ndarray, list[str]]:
    if "relation" not in bundle.songs.columns:
        return np.full(bundle.n_songs, -1, dtype=np.int64), []
    codes, uniques = pd.factorize(bundle.songs["relation"].astype("string").str.lower())
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]


def _popular_artist_rows(bundle: Any) -> np.ndarray:
    n = bundle.n_songs
    mask = np.zeros(n, dtype=bool)
    if "artists" not in bundle.songs.columns or n == 0:
        return mask
    exploded = bundle.songs["artists"].explode()
    exploded = exploded[exploded.notna()]
    if exploded.empty:
        return mask
    rows = exploded.index.to_numpy(dtype=np.int64)
    codes, uniques = pd.factorize(exploded.astype(str).to_numpy())
    popular = bundle.scores.get("popular")
    weights = np.asarray(popular, dtype=np.float64)[rows] if popular is not None else None
    if weights is not None:  # scores may be negative (e.g. log-views): shift to >= 0
        weights = weights - min(0.0, float(weights.min()))
    artist_score = np.bincount(codes, weights=weights, minlength=len(uniques))
    top = max(1, math.ceil(POPULAR_ARTIST_FRACTION * len(uniques)))
    top_artists = np.argpartition(-artist_score, top - 1)[:top]
    mask[rows[np.isin(codes, top_artists)]] = True
    return mask
