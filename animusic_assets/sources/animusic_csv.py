"""Import a catalog CSV in the original Animusic column layout into anime records.

The original project kept its catalog in one ``songs.csv`` (``relation, song, episodes,
vocals, lyrics, composition, arrangement, tags, anime, MAL_ID, MAL_Title, ...``). Anyone with
that file, or a file in the same layout such as the reference catalog, can build and serve
models from it: this module turns rows into the same anime records the scrapers produce, so
everything downstream is the same code. Missing columns are allowed except the four that
identify a song (``relation``, ``song``, ``MAL_ID`` and one of ``MAL_Title``/``anime``).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote_plus

import pandas as pd

REQUIRED = ("relation", "song", "MAL_ID")
CREDIT_COLUMNS = {
    "vocals": "vocals",
    "lyrics": "lyrics",
    "composition": "composition",
    "arrangement": "arrangement",
}
_SLUG = re.compile(r"^(OP|ED|IN)\s*(\d+)", re.IGNORECASE)
_TAG_WEIGHT = re.compile(r"^(.*?)\s*[(:]\s*(\d+(?:\.\d+)?)\s*\)?$")


class CsvImportError(ValueError):
    """The file cannot be imported; the message names the file and the problem."""


def read_animusic_csv(path: str | Path) -> list[dict]:
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise CsvImportError(f"cannot read {path}: {exc}") from exc
    missing = [c for c in REQUIRED if c not in frame.columns]
    if "MAL_Title" not in frame.columns and "anime" not in frame.columns:
        missing.append("MAL_Title or anime")
    if missing:
        raise CsvImportError(f"{path} lacks columns: {', '.join(missing)}")
    frame = frame.apply(lambda col: col.str.strip())
    anime: dict[int, dict] = {}
    for line, row in enumerate(frame.to_dict("records"), start=2):
        try:
            mal_id = int(row["MAL_ID"])
        except ValueError:
            raise CsvImportError(
                f"{path}:{line}: MAL_ID {row['MAL_ID']!r} is not a number"
            ) from None
        record = anime.get(mal_id) or anime.setdefault(mal_id, _anime_record(mal_id, row))
        record["songs"].append(_song(row, record))
    return [anime[k] for k in sorted(anime)]


def _anime_record(mal_id: int, row: dict) -> dict:
    return {
        "mal_id": mal_id,
        "anidb_anime_id": _int(row.get("AniDB_ID")),
        "title_romaji": row.get("MAL_Title") or row.get("anime"),
        "title_english": row.get("MAL_Title_EN") or None,
        "title_japanese": row.get("MAL_Title_JP") or None,
        "media_type": (row.get("MAL_Type") or "").lower() or None,
        "start_year": None,
        "genres": _split(row.get("MAL_Genres")),
        "themes": _split(row.get("MAL_Themes")),
        "demographic": row.get("MAL_Demographic") or None,
        "studios": _split(row.get("MAL_Studios")),
        "source": row.get("MAL_Source") or None,
        "mal_score": _float(row.get("MAL_Score")),
        "mal_rank": _int(row.get("MAL_Rank")),
        "mal_popularity": _int(row.get("MAL_Popularity")),
        "mal_members": _int(row.get("MAL_Members")),
        "tags": _tags(row.get("tags")),
        "songs": [],
    }


def _song(row: dict, anime: dict) -> dict:
    credits = [
        {"role": role, "name": name, "creator_id": None}
        for column, role in CREDIT_COLUMNS.items()
        for name in _split(row.get(column))
    ]
    slug = _SLUG.match(row.get("theme_slug") or "")
    artists = " ".join(str(c["name"]) for c in credits if c["role"] == "vocals")
    query = " ".join(filter(None, [anime["title_romaji"], row["song"], artists]))
    links = [
        {
            "platform": "youtube",
            "url": row.get("youtube_url")
            or f"https://www.youtube.com/results?search_query={quote_plus(query)}",
            "video_id": row.get("video_id") or None,
            "views": row.get("views") or None,
            "likes": row.get("likes") or None,
            "fetched_at": None,
        }
    ]
    if row.get("video_url"):
        links.append(
            {
                "platform": "animethemes",
                "url": row["video_url"],
                "video_id": None,
                "views": None,
                "likes": None,
                "fetched_at": None,
            }
        )
    return {
        "relation": row["relation"],
        "sequence": int(slug.group(2)) if slug else None,
        "title": row["song"],
        "episodes": row.get("episodes") or None,
        "credits": credits,
        "links": links,
        "anidb_song_id": _int(row.get("AniDB_song_ID")),
    }


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _tags(value: str | None) -> list[dict]:
    tags = []
    for part in _split(value):
        weighted = _TAG_WEIGHT.match(part)
        if weighted:
            tags.append({"name": weighted.group(1), "weight": float(weighted.group(2))})
        else:
            tags.append({"name": part, "weight": None})
    return tags


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None
