"""Song radio, search and the models being served (no user involved: no token needed)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, HTTPException, Path, Query, status

from animusic_serving.api.deps import BundleDep
from animusic_serving.api.schemas import CleanText, ModelOut, ModelsOut, SongListOut, SongOut
from animusic_serving.api.song_view import describe
from animusic_serving.bundle import Bundle
from animusic_serving.db.models import SONG_ID_MAX
from animusic_serving.recommend import PlaylistItem, playlist_models
from animusic_serving.recommend.scorers import has_scorer, score

router = APIRouter(tags=["songs"])
SIMILAR_MODELS = ("hybrid", "tfidf", "minilm", "mpnet", "node2vec")
SEARCH_COLUMNS = ("title", "anime_title", "anime_title_english", "anime_title_japanese", "artists")


def _out(bundle: Bundle, row: int, model: str, position: int, value: float | None) -> SongOut:
    item = PlaylistItem(row, str(bundle.songs["song_id"].iat[row]), model, position)
    return SongOut(
        **describe(bundle, item).model_dump(),
        score=None if value is None or not np.isfinite(value) else float(value),
    )


@router.get("/songs/search", response_model=SongListOut)
def search(
    bundle: BundleDep,
    q: Annotated[
        CleanText,
        Query(min_length=1, max_length=200, description="words of the title, anime or artist"),
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> SongListOut:
    """Songs whose title, anime title or artist contains every word of ``q`` (case- and
    width-insensitive); exact title matches first, then by popularity."""
    words = [w for w in _normalise(q).split() if w]
    if not words:
        return SongListOut(bundle_version=bundle.version, items=[])
    haystack = bundle.derived("search_haystack", _haystack)
    mask = np.ones(len(haystack), dtype=bool)
    for word in words[:8]:
        mask &= haystack.str.contains(word, regex=False).to_numpy(dtype=bool, na_value=False)
    rows = np.flatnonzero(mask)
    titles = bundle.derived("search_titles", _titles)
    exact = (titles.iloc[rows] == " ".join(words)).to_numpy(dtype=bool, na_value=False)
    popular = bundle.scores.get("popular")
    pop = np.asarray(popular)[rows] if popular is not None else np.zeros(len(rows))
    order = np.lexsort((-pop, ~exact))[:limit]
    return SongListOut(
        bundle_version=bundle.version,
        items=[_out(bundle, int(rows[i]), "search", p, None) for p, i in enumerate(order)],
    )


@router.get(
    "/songs/{song_id}/similar",
    response_model=SongListOut,
    responses={404: {"description": "unknown song or model not in the bundle"}},
)
def similar(
    bundle: BundleDep,
    song_id: Annotated[CleanText, Path(min_length=1, max_length=SONG_ID_MAX)],
    model: Annotated[
        CleanText,
        Query(
            description="hybrid, tfidf, minilm, mpnet or node2vec (default: hybrid when served)",
            max_length=32,
        ),
    ] = "",
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> SongListOut:
    """Song radio: the ``k`` songs most similar to one song, one per anime, the song's own
    anime excluded."""
    row = bundle.row_of(song_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown song_id {song_id!r}")
    available = [m for m in SIMILAR_MODELS if m in bundle.model_names and has_scorer(bundle, m)]
    name = model or (available[0] if available else "")
    if name not in available:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"model {name!r} is not served; available: {', '.join(available) or 'none'}",
        )
    scores = np.asarray(score(bundle, name, np.array([row]), rng=None), dtype=np.float64)
    anime_ids = bundle.songs["anime_id"].to_numpy()
    scores = np.where(anime_ids == anime_ids[row], -np.inf, scores)
    # best song per anime among a bounded head of the ranking (no loop over the catalogue)
    head = min(len(scores), max(k * 20, 200))
    top = np.argpartition(-scores, head - 1)[:head]
    top = top[np.argsort(-scores[top], kind="stable")]
    top = top[np.isfinite(scores[top])]
    _, first = np.unique(anime_ids[top], return_index=True)
    picked = top[np.sort(first)][:k]
    return SongListOut(
        bundle_version=bundle.version,
        items=[_out(bundle, int(r), name, p, scores[r]) for p, r in enumerate(picked)],
    )


@router.get("/models", response_model=ModelsOut)
def models(bundle: BundleDep) -> ModelsOut:
    """The bundle being served: its version, models, their parameters and offline metrics."""
    in_playlist = set(playlist_models(bundle))
    meta: dict[str, Any] = bundle.manifest.get("models", {})
    return ModelsOut(
        bundle_version=bundle.version,
        created_at=bundle.manifest.get("created_at"),
        n_songs=bundle.n_songs,
        models=[
            ModelOut(
                name=name,
                kind=m.get("kind"),
                dim=m.get("dim"),
                in_playlist=name in in_playlist,
                params=m.get("params") or {},
                metrics=m.get("metrics") or {},
            )
            for name, m in meta.items()
        ],
    )


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _haystack(bundle: Bundle) -> pd.Series:
    parts = []
    for column in SEARCH_COLUMNS:
        if column not in bundle.songs.columns:
            continue
        values = bundle.songs[column]
        if column == "artists":
            values = values.map(
                lambda a: (
                    " ".join(map(str, a)) if a is not None and not isinstance(a, str) else (a or "")
                )
            )
        parts.append(values.fillna("").astype(str))
    joined = parts[0].str.cat(parts[1:], sep=" | ") if parts else pd.Series([], dtype=str)
    return joined.map(_normalise).astype("string")


def _titles(bundle: Bundle) -> pd.Series:
    return bundle.songs["title"].fillna("").astype(str).map(_normalise)
