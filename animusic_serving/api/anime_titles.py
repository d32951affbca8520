"""The catalogue's anime and their titles (romaji, English, Japanese), for the picker's
type-ahead: built once per bundle version from the songs table, searched in memory (no
network, no database)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

TITLE_COLUMNS = ("anime_title", "anime_title_english", "anime_title_japanese")
MAX_QUERY_WORDS = 8


@dataclass(frozen=True)
class AnimeTitles:
    anime_id: np.ndarray  # int64, one per anime
    romaji: list[str]
    english: list[str | None]
    japanese: list[str | None]
    songs: np.ndarray  # songs of the anime in the bundle
    popularity: np.ndarray  # its most popular song's score (ordering only)
    haystack: pd.Series  # the normalised titles joined, one string per anime
    starts: pd.Series  # the same, each title prefixed by a separator, for prefix matches
    position: dict[int, int]  # anime id -> index

    def title_of(self, anime_id: int) -> str | None:
        index = self.position.get(int(anime_id))
        return None if index is None else self.romaji[index]


def normalise(text: str) -> str:
    """Case- and width-insensitive (NFKC + casefold), as the song search does."""
    return unicodedata.normalize("NFKC", text).casefold()


def anime_titles(bundle: Any) -> AnimeTitles:
    """Use through ``bundle.derived("anime_titles", anime_titles)``."""
    songs = bundle.songs
    popular = bundle.scores.get("popular")
    frame = pd.DataFrame(
        {
            "anime_id": songs["anime_id"].to_numpy(dtype=np.int64),
            "popularity": np.asarray(popular, dtype=np.float64)
            if popular is not None
            else np.zeros(len(songs)),
        }
    )
    for column in TITLE_COLUMNS:
        frame[column] = (
            songs[column].astype("object").where(songs[column].notna(), None)
            if column in songs.columns
            else None
        )
    grouped = frame.groupby("anime_id", sort=True)
    first = grouped[list(TITLE_COLUMNS)].first()  # first non-null title per anime
    counts = grouped.size()
    best = grouped["popularity"].max()
    ids = first.index.to_numpy(dtype=np.int64)
    romaji = [_clean(v) or str(i) for v, i in zip(first["anime_title"], ids, strict=True)]
    english = [_clean(v) for v in first["anime_title_english"]]
    japanese = [_clean(v) for v in first["anime_title_japanese"]]
    titles = [[t for t in row if t] for row in zip(romaji, english, japanese, strict=True)]
    haystack = pd.Series([" | ".join(normalise(t) for t in row) for row in titles], dtype="string")
    starts = pd.Series(
        ["\x1f" + "\x1f".join(normalise(t) for t in row) for row in titles], dtype="string"
    )
    return AnimeTitles(
        ids,
        romaji,
        english,
        japanese,
        counts.to_numpy(dtype=np.int64),
        best.to_numpy(dtype=np.float64),
        haystack,
        starts,
        {int(a): i for i, a in enumerate(ids)},
    )


def search(index: AnimeTitles, query: str, limit: int) -> list[int]:
    """Indexes of the anime whose titles contain every word of ``query``: titles starting
    with the query first, then the more popular."""
    words = [w for w in normalise(query).split() if w][:MAX_QUERY_WORDS]
    if not words:
        return []
    mask = np.ones(len(index.haystack), dtype=bool)
    for word in words:
        mask &= index.haystack.str.contains(word, regex=False).to_numpy(dtype=bool, na_value=False)
    rows = np.flatnonzero(mask)
    prefix = index.starts.iloc[rows].str.contains("\x1f" + " ".join(words), regex=False)
    prefix_arr = prefix.to_numpy(dtype=bool, na_value=False)
    order = np.lexsort((-index.popularity[rows], ~prefix_arr))[:limit]
    return [int(rows[i]) for i in order]


def _clean(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
