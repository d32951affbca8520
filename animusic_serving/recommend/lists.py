"""The ``lists`` scorer: collaborative anime-to-anime weights (EASE, learnt offline from public
and imported anime lists; ``animusic_assets/core/lists_model.py``) turned into song scores.

* The user's positive anime: the anime on their imported list (the cold-start seeds) plus the
  anime of their positive feedback (likes, long watches), minus anime they turned away from
  (blacklisted). So the slot adapts as feedback arrives, and it keeps the whole imported list
  even after the profile switches from cold-start seeds to real positives.
* Anime score: the sum of those anime's rows of B (dense: a row gather; top-k: a bincount).
* Song score: its anime's score plus a small tie-break inside the anime (openings before
  endings before the rest, then the more popular song). The tie-break is a fixed fraction of
  the anime scores' spread, so it never reorders two anime that differ by more than that.
  Songs whose anime the model does not know rank below every known anime, and so do the
  songs of the anime on the imported list itself: the slot is for discovering anime (in the
  feedback-loop simulation, letting it return to the listener's own list anime once
  feedback exists cost a third of its like rate), and the other slots still draw on them.
* A user none of whose anime the model knows gets the popularity scores (as the other models
  do without a profile).

Pure numpy; the bundle carries no user rows, only MAL ids and weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

LISTS_MODEL = "lists"
TIE_BREAK = 1e-3  # share of the anime scores' spread the within-anime order may use
RELATION_RANK = {"opening": 2.0, "ending": 1.0}


def has_lists(bundle: Any) -> bool:
    return LISTS_MODEL in getattr(bundle, "anime_models", {})


def seed_indices(
    bundle: Any,
    profile_rows: np.ndarray,
    seed_anime: np.ndarray | None = None,
    blacklisted: np.ndarray | None = None,
) -> np.ndarray:
    """Model indices of the user's positive anime (see the module docstring)."""
    ids = bundle.anime_models[LISTS_MODEL]["anime_ids"]
    anime_of_rows = bundle.derived("anime_id_array", _anime_id_array)[
        np.asarray(profile_rows, np.int64)
    ]
    anime = np.union1d(
        anime_of_rows.astype(np.int64),
        np.asarray(seed_anime if seed_anime is not None else [], np.int64),
    )
    if blacklisted is not None and len(blacklisted):
        anime = np.setdiff1d(anime, np.asarray(blacklisted, np.int64))
    positions = np.searchsorted(ids, anime)
    positions = np.minimum(positions, max(len(ids) - 1, 0))
    return positions[ids[positions] == anime] if len(ids) else np.empty(0, np.int64)


def anime_scores(arrays: dict[str, np.ndarray], seeds: np.ndarray) -> np.ndarray:
    """Σ of the seed anime's rows, one float32 per model anime."""
    n = len(arrays["anime_ids"])
    if "weights" in arrays:
        return np.asarray(arrays["weights"][np.sort(seeds)], np.float32).sum(
            axis=0, dtype=np.float32
        )
    rows, weights = arrays["knn_rows"][seeds].ravel(), arrays["knn_weights"][seeds].ravel()
    return np.bincount(rows, weights=weights, minlength=n).astype(np.float32)


def lists_scores(
    bundle: Any,
    profile_rows: np.ndarray,
    seed_anime: np.ndarray | None = None,
    blacklisted: np.ndarray | None = None,
) -> np.ndarray:
    """One score per song (float32), higher first."""
    seeds = seed_indices(bundle, profile_rows, seed_anime, blacklisted)
    if not seeds.size:
        popular = bundle.scores.get("popular")
        return (
            np.asarray(popular, np.float32)
            if popular is not None
            else np.zeros(bundle.n_songs, np.float32)
        )
    per_anime = anime_scores(bundle.anime_models[LISTS_MODEL], seeds)
    low, high = float(per_anime.min()), float(per_anime.max())
    spread = high - low if high > low else 1.0
    # one gather: index -1 (anime unknown to the model) reads the appended floor value
    table = np.append(per_anime, np.float32(low - spread))
    if seed_anime is not None and len(seed_anime):
        table[seed_indices(bundle, np.empty(0, np.int64), seed_anime)] = np.float32(low - spread)
    out = table[bundle.derived("lists_song_anime_index", _song_anime_index)]
    out += np.float32(TIE_BREAK * spread) * bundle.derived("lists_tie_break", _tie_break)
    return out


def top_contributor(
    bundle: Any,
    row: int,
    profile_rows: np.ndarray,
    seed_anime: np.ndarray | None = None,
    blacklisted: np.ndarray | None = None,
) -> tuple[int, str] | None:
    """(MAL id, title) of the user's positive anime whose weight towards song ``row``'s anime
    is the largest: the one that contributed most to a ``lists`` pick. Prefers anime whose
    title the catalogue knows; None when the model knows neither side."""
    arrays = bundle.anime_models[LISTS_MODEL]
    seeds = seed_indices(bundle, profile_rows, seed_anime, blacklisted)
    target = bundle.derived("lists_song_anime_index", _song_anime_index)[row]
    if not seeds.size or target < 0:
        return None
    if "weights" in arrays:
        contributions = np.asarray(arrays["weights"][seeds, target], np.float64)
    else:
        hits = arrays["knn_rows"][seeds] == target
        contributions = np.where(hits, arrays["knn_weights"][seeds], 0.0).sum(axis=1)
    titles = bundle.derived("lists_anime_titles", _anime_titles)
    ids = arrays["anime_ids"][seeds]
    titled = np.array([int(a) in titles for a in ids])
    order = np.lexsort((-contributions, ~titled))  # titled first, then the largest weight
    best = int(ids[order[0]])
    return best, titles.get(best, f"MAL anime {best}")


def lists_explanation(anime_title: str) -> str:
    return f"listeners who liked {anime_title} also liked this"


def explain_lists_pick(bundle: Any, profile: Any, row: int) -> tuple[int, str, str] | None:
    """(MAL id, title, sentence) for a playlist item the ``lists`` slot picked at ``row``,
    from the same ``Profile`` the playlist was built from; None when nothing contributed."""
    found = top_contributor(
        bundle,
        row,
        profile.positive_rows,
        seed_anime=getattr(profile, "listed_anime", None),
        blacklisted=profile.blacklisted_anime,
    )
    return None if found is None else (found[0], found[1], lists_explanation(found[1]))


def _anime_id_array(bundle: Any) -> np.ndarray:
    return bundle.songs["anime_id"].to_numpy()  # same key and value as playlist.anime_id_array


def _song_anime_index(bundle: Any) -> np.ndarray:
    """Each song's anime's index in the model (-1: the model does not know the anime)."""
    ids = bundle.anime_models[LISTS_MODEL]["anime_ids"]
    anime = bundle.songs["anime_id"].to_numpy().astype(np.int64)
    if not len(ids):
        return np.full(len(anime), -1, np.int64)
    positions = np.minimum(np.searchsorted(ids, anime), len(ids) - 1)
    return np.where(ids[positions] == anime, positions, -1)


def _tie_break(bundle: Any) -> np.ndarray:
    """In [0, 1): relation rank first (opening > ending > other), then song popularity."""
    n = bundle.n_songs
    relation = (
        bundle.songs["relation"]
        .astype(str)
        .str.lower()
        .map(RELATION_RANK)
        .fillna(0.0)
        .to_numpy(np.float64)
        if "relation" in bundle.songs.columns
        else np.zeros(n)
    )
    popular = bundle.scores.get("popular")
    percentile = np.zeros(n)
    if popular is not None and n > 1:
        order = np.argsort(np.asarray(popular, np.float64), kind="stable")
        percentile[order] = np.arange(n) / n
    return ((relation + percentile) / 3.0).astype(np.float32)


def _anime_titles(bundle: Any) -> dict[int, str]:
    songs = bundle.songs.drop_duplicates("anime_id")
    return {int(a): str(t) for a, t in zip(songs["anime_id"], songs["anime_title"], strict=True)}
