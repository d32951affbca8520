"""Assemble a playlist: one song per model, from the candidates the profile allows.

Candidates exclude the cold-start seeds, the skip set and the blacklisted anime. When that
leaves nothing, exclusions are relaxed in order: first the blacklist, then the skip set (and,
only for a catalogue made of nothing but seeds, the seeds). Each model, in the given order,
contributes its best-scoring candidate that is not yet in the playlist and not from an anime
already in it; the anime rule is dropped for a model only when it would leave it nothing.

Two optional knobs narrow the candidates:

* ``allowed`` (e.g. ``relations=["opening"]``: openings only) is a hard filter the listener
  asked for; it is never relaxed (a catalogue with no such song gives an empty playlist);
* ``preferred`` (e.g. ``exclude_popular_artists``: songs by none of the most popular artists)
  is a wish: it is the first thing relaxed when it would leave no candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from animusic_serving.recommend.profile import Profile
from animusic_serving.recommend.scorers import has_scorer, score

PLAYLIST_MODELS = ("tfidf", "minilm", "mpnet", "node2vec", "lists", "popular", "random", "hybrid")


@dataclass(frozen=True)
class PlaylistItem:
    row: int
    song_id: str
    recommended_by: str
    position: int


def playlist_models(bundle: Any) -> list[str]:
    """The playlist's models: those the bundle's manifest lists (and can score), in
    ``PLAYLIST_MODELS`` order."""
    present = set(bundle.model_names)
    return [m for m in PLAYLIST_MODELS if m in present and has_scorer(bundle, m)]


def candidate_mask(
    anime_ids: np.ndarray,
    profile: Profile,
    *,
    allowed: np.ndarray | None = None,
    preferred: np.ndarray | None = None,
) -> np.ndarray:
    """Rows that may be recommended, with the exclusions relaxed only as far as needed:
    ``preferred`` first, then the blacklist, then the skip set (then the seeds). ``allowed``
    is never relaxed."""
    n = len(anime_ids)
    not_seed = _mask(n, profile.seed_rows, exclude=True)
    not_skipped = _mask(n, profile.skip_rows, exclude=True)
    not_blacklisted = (
        ~np.isin(anime_ids, profile.blacklisted_anime)
        if len(profile.blacklisted_anime)
        else np.ones(n, dtype=bool)
    )
    base = np.ones(n, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    strict = not_seed & not_skipped & not_blacklisted & base
    steps = [strict & preferred] if preferred is not None else []
    steps += [strict, not_seed & not_skipped & base, not_seed & base]
    if preferred is not None:  # nothing unseen is left at all: still honour the wish
        steps.append(base & preferred)
    for mask in steps:
        if mask.any():
            return mask
    return base.copy()


def build_playlist(
    bundle: Any,
    profile: Profile,
    models: list[str] | None = None,
    rng: np.random.Generator | None = None,
    *,
    allowed: np.ndarray | None = None,
    preferred: np.ndarray | None = None,
    cache: dict | None = None,
) -> list[PlaylistItem]:
    """``bundle``: a ``Bundle`` (or anything with ``songs``, ``model_names``, ``dense``,
    ``tfidf``, ``scores``, ``manifest``, ``n_songs``). ``models`` default: ``playlist_models``.
    ``allowed`` / ``preferred``: boolean row masks, see ``candidate_mask``. ``cache``: a dict
    the caller owns for this profile; the scores computed are left there (``explain`` reuses
    them).

    Work per request: one score vector per model (matrix-vector products over the whole
    catalogue; the hybrid reuses the similarity models' vectors) and a few boolean masks;
    nothing loops over candidates or over the user's skipped songs."""
    rng = rng if rng is not None else np.random.default_rng()
    models = playlist_models(bundle) if models is None else list(models)
    anime_ids = anime_id_array(bundle)
    song_ids = bundle.derived("song_id_array", _song_id_array)
    available = candidate_mask(anime_ids, profile, allowed=allowed, preferred=preferred)
    anime_taken = np.zeros(len(anime_ids), dtype=bool)
    cache = {} if cache is None else cache
    items: list[PlaylistItem] = []
    for model in models:
        new_anime = available & ~anime_taken
        pool = new_anime if new_anime.any() else available
        if not pool.any():
            break  # every candidate is already in the playlist
        if model == "random":  # a uniform draw among the candidates, without n random scores
            candidates = np.flatnonzero(pool)
            row = int(candidates[rng.integers(candidates.size)])
        else:
            scores = score(
                bundle,
                model,
                profile.positive_rows,
                rng,
                cache=cache,
                seed_anime=profile.listed_anime,
            )
            row = int(np.argmax(np.where(pool, scores, -np.inf)))
        items.append(PlaylistItem(row, song_ids[row], model, len(items)))
        available[row] = False
        anime_taken |= anime_ids == anime_ids[row]
    return items


def anime_id_array(bundle: Any) -> np.ndarray:
    """Each row's anime id as a numpy array, once per bundle version (a pandas column access
    per request costs more than the scoring of a small model)."""
    return bundle.derived("anime_id_array", lambda b: b.songs["anime_id"].to_numpy())


def _song_id_array(bundle: Any) -> np.ndarray:
    return np.array([str(s) for s in bundle.songs["song_id"]], dtype=object)


def _mask(n: int, rows: np.ndarray, exclude: bool) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[np.asarray(rows, dtype=np.int64)] = True
    return ~mask if exclude else mask
