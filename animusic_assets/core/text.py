"""Normalisation for *matching* only: stored titles keep their punctuation."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str | None) -> str:
    """Case-, width- and punctuation-insensitive form of a title, for comparing and hashing."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def hashed_song_id(anime_title: str, song_title: str, relation: str) -> str:
    """Deterministic id for a song AniDB has not given us an id for.

    Built from the normalised anime title, song title and relation, so re-scraping the same
    song (even with different punctuation or case) yields the same id.
    """
    key = "|".join((normalise(anime_title), normalise(song_title), normalise(relation)))
    return "h" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:15]
