"""Why a playlist item is there, in one line, from what the recommender already knows.

* the nearest-profile models (TF-IDF, MiniLM, MPNet, node2vec): the profile song whose
  vector under THAT model is nearest the picked song: "because you liked <song> (<anime>)"
  (for a cold start, the anime on the user's list, or the popular stand-in, is named instead);
* ``lists``: the listener's anime that contributed most: "listeners who liked <anime> also
  liked this" (``lists.explain_lists_pick``);
* ``popular`` / ``random``: what they are;
* ``hybrid``: its largest weighted components at the picked row, and the profile song
  nearest under the strongest similarity component.

Adding a model's explanation: write one ``(ExplainContext) -> Explanation`` function and
register it in ``EXPLAINERS`` under the model's name. Models without an entry say which model
picked the song. Pure numpy, like the rest of ``recommend``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from animusic_serving.recommend.lists import explain_lists_pick
from animusic_serving.recommend.playlist import PlaylistItem
from animusic_serving.recommend.profile import Profile
from animusic_serving.recommend.scorers import (
    DEFAULT_HYBRID_WEIGHTS,
    DENSE_MODELS,
    SIMILARITY_MODELS,
    has_scorer,
    hybrid_components,
)

# what a hybrid component means to a listener
COMPONENT_LABELS = {
    "tfidf": "similar words (TF-IDF)",
    "minilm": "similar descriptions (MiniLM)",
    "mpnet": "similar descriptions (MPNet)",
    "node2vec": "shared artists, studios and tags (node2vec)",
    "popularity": "popular",
    "franchise": "same franchise as one of yours",
    "lists": "liked by listeners with your anime (lists)",
}
HYBRID_TOP_COMPONENTS = 2


@dataclass(frozen=True)
class Explanation:
    text: str
    because_song_id: str | None = None


@dataclass(frozen=True)
class ExplainContext:
    """What an explainer may look at. ``cache``: the scores the playlist already computed for
    this profile (``build_playlist(cache=...)``), so explaining costs no second scoring."""

    bundle: Any
    profile: Profile
    item: PlaylistItem
    cache: dict = field(default_factory=dict)


Explainer = Callable[[ExplainContext], Explanation]


def nearest_profile_row(bundle: Any, model: str, profile_rows: np.ndarray, row: int) -> int | None:
    """The profile row most similar to ``row`` under ``model`` (cosine; rows are
    L2-normalised). None without profile rows or without the model's vectors."""
    rows = np.asarray(profile_rows, dtype=np.int64)
    if not rows.size or not has_scorer(bundle, model) or model not in SIMILARITY_MODELS:
        return None
    lists = getattr(bundle, "neighbours", {}).get(model)
    if lists is not None:  # the row's neighbours, best first: the first profile row listed
        listed = np.asarray(lists[0][row])  # is the nearest (any unlisted one is further)
        hits = np.flatnonzero(np.isin(listed, rows))
        if hits.size:
            return int(listed[hits[0]])
    if model == "tfidf":
        matrix = bundle.tfidf
        sims = matrix[rows] @ matrix[row].T
        sims = sims.toarray().ravel() if sp.issparse(sims) else np.asarray(sims).ravel()
    else:
        matrix = bundle.dense[model]
        sims = np.asarray(matrix[rows], dtype=np.float32) @ np.asarray(
            matrix[row], dtype=np.float32
        )
    return int(rows[int(np.argmax(sims))])


def _song_label(bundle: Any, row: int) -> tuple[str, str, str]:
    """(song_id, title, anime title) of a bundle row."""
    song_ids, titles, anime = bundle.derived("explain_labels", _labels)
    return str(song_ids[row]), _text(titles[row]), _text(anime[row])


def _labels(bundle: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Once per bundle version: a row lookup is then an array index, not a pandas access."""
    songs = bundle.songs
    empty = np.full(len(songs), "", dtype=object)
    return tuple(
        songs[c].to_numpy(dtype=object) if c in songs.columns else empty
        for c in ("song_id", "title", "anime_title")
    )  # type: ignore[return-value]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _because(bundle: Any, profile: Profile, near: int) -> Explanation:
    song_id, title, anime = _song_label(bundle, near)
    if profile.cold_start == "anime_list":
        return Explanation(f"because {anime} is on your list (close to “{title}”)", song_id)
    if profile.cold_start == "popular":
        return Explanation(
            f"close to “{title}” ({anime}), a well-known song (pick or like "
            f"songs to make it yours)",
            song_id,
        )
    return Explanation(f"because you liked “{title}” ({anime})", song_id)


def _nearest(context: ExplainContext) -> Explanation:
    near = nearest_profile_row(
        context.bundle, context.item.recommended_by, context.profile.positive_rows, context.item.row
    )
    if near is None:  # no profile: the model fell back to popularity
        return Explanation("popular with listeners (nothing of yours to compare with yet)")
    return _because(context.bundle, context.profile, near)


def _popular(context: ExplainContext) -> Explanation:
    return Explanation("popular: among the most-viewed songs you have not heard here")


def _lists(context: ExplainContext) -> Explanation:
    found = explain_lists_pick(context.bundle, context.profile, context.item.row)
    if found is None:  # none of the listener's anime is known to the model: popularity
        return Explanation("popular with listeners (none of your anime is in the lists model)")
    return Explanation(found[2])


def _random(context: ExplainContext) -> Explanation:
    return Explanation("random pick: a song from anywhere in the catalogue, for discovery")


def hybrid_contributions(
    bundle: Any, profile: Profile, row: int, cache: dict | None = None
) -> list[tuple[str, float]]:
    """The hybrid's weighted components at ``row``, largest first (weight x z-score)."""
    params = bundle.manifest.get("models", {}).get("hybrid", {}).get("params", {})
    weights = params.get("weights") or DEFAULT_HYBRID_WEIGHTS
    names = [name for name, weight in weights.items() if weight]
    components = hybrid_components(
        bundle, profile.positive_rows, names, cache=cache, seed_anime=profile.listed_anime
    )
    parts = [
        (name, float(weights[name]) * float(values[row])) for name, values in components.items()
    ]
    return sorted(parts, key=lambda part: -part[1])


def _hybrid(context: ExplainContext) -> Explanation:
    bundle, profile, row = context.bundle, context.profile, context.item.row
    parts = (
        hybrid_contributions(bundle, profile, row, context.cache)
        if profile.positive_rows.size
        else []
    )
    top = [name for name, value in parts if value > 0][:HYBRID_TOP_COMPONENTS] or [
        name for name, _ in parts[:1]
    ]
    mix = " + ".join(COMPONENT_LABELS.get(name, name) for name in top)
    similar = next((name for name, value in parts if name in SIMILARITY_MODELS), None)
    near = nearest_profile_row(bundle, similar, profile.positive_rows, row) if similar else None
    if near is None:
        return Explanation(f"hybrid: {mix}" if mix else "hybrid: popular with listeners")
    because = _because(bundle, profile, near)
    return Explanation(f"hybrid: {mix}; {because.text}", because.because_song_id)


EXPLAINERS: dict[str, Explainer] = {
    **{name: _nearest for name in ("tfidf", *DENSE_MODELS)},
    "lists": _lists,
    "popular": _popular,
    "random": _random,
    "hybrid": _hybrid,
}


def explain(context: ExplainContext) -> Explanation:
    explainer = EXPLAINERS.get(context.item.recommended_by)
    if explainer is None:
        return Explanation(f"picked by {context.item.recommended_by}")
    return explainer(context)


def explain_playlist(
    bundle: Any, profile: Profile, items: Sequence[PlaylistItem], cache: dict | None = None
) -> list[Explanation]:
    shared = cache if cache is not None else {}
    return [explain(ExplainContext(bundle, profile, item, shared)) for item in items]
