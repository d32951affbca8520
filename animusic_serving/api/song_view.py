"""Turn a playlist item (a bundle row) into what a client shows: titles, artists, links."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from animusic_serving.api.schemas import PlaylistItemOut
from animusic_serving.bundle import Bundle
from animusic_serving.recommend import PlaylistItem
from animusic_serving.recommend.explain import Explanation

SHOWN_COLUMNS = ("title", "anime_id", "anime_title", "relation", "artists", "links")


def _columns(bundle: Bundle) -> dict[str, Any]:
    """The shown columns as plain numpy arrays, once per bundle version: a row lookup is then
    an array index instead of a pandas row (which costs ~0.2 ms per item)."""
    return {
        c: bundle.songs[c].to_numpy(dtype=object) if c in bundle.songs.columns else None
        for c in SHOWN_COLUMNS
    }


class _Row:
    __slots__ = ("columns", "row")

    def __init__(self, columns: dict, row: int):
        self.columns, self.row = columns, row

    def get(self, column: str) -> Any:
        values = self.columns.get(column)
        return None if values is None else values[self.row]

    def __getitem__(self, column: str) -> Any:
        return self.get(column)


def describe(
    bundle: Bundle,
    item: PlaylistItem,
    *,
    allow_nsfw: bool = False,
    explanation: Explanation | None = None,
) -> PlaylistItemOut:
    """``allow_nsfw``: keep links flagged nsfw (left out by default). ``explanation``: why the
    item is there (``recommend.explain``)."""
    song = _Row(bundle.derived("shown_columns", _columns), item.row)
    return PlaylistItemOut(
        song_id=item.song_id,
        title=_text(song.get("title")),
        anime_id=int(song["anime_id"]),
        anime_title=_text(song.get("anime_title")),
        relation=_text(song.get("relation")),
        artists=[str(a) for a in _sequence(song.get("artists"))],
        links=[link for link in _links(song.get("links")) if allow_nsfw or not link.get("nsfw")],
        recommended_by=item.recommended_by,
        position=item.position,
        explanation=explanation.text if explanation else "",
        because_song_id=explanation.because_song_id if explanation else None,
    )


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _sequence(value: Any) -> list:
    # parquet list columns come back as numpy arrays; a missing value as None
    if value is None or isinstance(value, str):
        return [] if value is None else [value]
    try:
        return list(value)
    except TypeError:
        return []


def _links(raw: Any) -> list[Any]:
    """The bundle stores links as JSON text; tolerate a missing or malformed value."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    return [_clean_link(link) for link in _sequence(raw) if isinstance(link, dict)]


def _clean_link(link: dict) -> dict:
    """Optional typed fields with an odd value (episodes as a number, a flag as "true") are
    coerced, so one unusual link never turns a playlist into a 500."""
    link = dict(link)
    if link.get("episodes") is not None and not isinstance(link["episodes"], str):
        link["episodes"] = str(link["episodes"])
    for flag in ("nsfw", "spoiler"):
        if link.get(flag) is not None and not isinstance(link[flag], bool):
            link[flag] = str(link[flag]).strip().lower() in ("1", "true", "yes")
    for text in ("platform", "url", "video_id", "audio_url"):
        if link.get(text) is not None and not isinstance(link[text], str):
            link[text] = None
    return link
