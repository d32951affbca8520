"""Build the clean catalog table from anime records (demo snapshot, CSV import or live scrape).

Input: anime records in the shape the scrapers produce (see ``animusic_assets/demo``): one dict
per anime with its metadata and a ``songs`` list. Output: one row per song-in-anime with typed
columns and a stable ``song_id``. Pure pandas; no Dagster.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

import pandas as pd

from animusic_assets.core.counts import parse_count
from animusic_assets.core.text import hashed_song_id, normalise

RELATIONS = ("opening", "ending", "insert", "image")
# "featuring": a featured artist (AniDB's "Featuring"); "performance": instrumental
# performance (AniDB's "Musical Performance"), which is not singing
CREDIT_ROLES = (
    "vocals",
    "lyrics",
    "composition",
    "arrangement",
    "chorus",
    "featuring",
    "performance",
)
_RELATION_ALIASES = {
    "op": "opening",
    "ed": "ending",
    "in": "insert",
    "ins": "insert",
    "opening theme": "opening",
    "ending theme": "ending",
    "insert song": "insert",
    "image song": "image",
}

# column -> pandas dtype; list-valued columns are "object"
CATALOG_COLUMNS: dict[str, str] = {
    "song_id": "string",
    "anidb_song_id": "Int64",
    "anime_id": "Int64",
    "anidb_anime_id": "Int64",
    "relation": "string",
    "sequence": "Int64",
    "episodes": "string",
    "title": "string",
    "credits": "object",
    "artists": "object",
    "anime_title": "string",
    "anime_title_english": "string",
    "anime_title_japanese": "string",
    "media_type": "string",
    "start_year": "Int64",
    "genres": "object",
    "themes": "object",
    "demographic": "string",
    "studios": "object",
    "source": "string",
    "tags": "object",
    "mal_score": "Float64",
    "mal_rank": "Int64",
    "mal_popularity": "Int64",
    "mal_members": "Int64",
    "links": "object",
    "views": "Int64",
    "likes": "Int64",
}
LIST_COLUMNS = tuple(c for c, t in CATALOG_COLUMNS.items() if t == "object")


class CatalogError(ValueError):
    """An input record cannot be turned into a catalog row; the message names which."""


def normalise_relation(value: Any) -> str:
    text = normalise(value)
    text = _RELATION_ALIASES.get(text, text)
    if text not in RELATIONS:
        raise CatalogError(f"unknown relation {value!r} (expected one of {', '.join(RELATIONS)})")
    return text


def build_catalog(anime_records: Iterable[dict]) -> pd.DataFrame:
    """One row per (song, anime); raises CatalogError on the first bad record."""
    frame, rejects = build_catalog_with_rejects(anime_records)
    if rejects:
        raise CatalogError(rejects[0]["reason"])
    return frame


def build_catalog_with_rejects(anime_records: Iterable[dict]) -> tuple[pd.DataFrame, list[dict]]:
    """One row per (song, anime), plus the records that could not become rows and why.

    Real sources hold a few broken rows (a song without a title, an unknown relation); they
    are set aside with their reason instead of failing the whole catalog. Duplicates of the
    same song in the same anime (TV and BD versions) are merged into one row.
    """
    rows: dict[tuple[str, int], dict] = {}
    rejects: list[dict] = []
    for anime in anime_records:
        mal_id = anime.get("mal_id")
        if not isinstance(mal_id, int) or isinstance(mal_id, bool) or mal_id <= 0:
            rejects.append(
                {
                    "mal_id": mal_id,
                    "song": None,
                    "reason": f"anime record without a valid mal_id: {anime.get('title_romaji')!r}",
                }
            )
            continue
        for song in anime.get("songs") or []:
            try:
                row = _song_row(anime, song)
            except CatalogError as exc:
                rejects.append({"mal_id": mal_id, "song": song.get("title"), "reason": str(exc)})
                continue
            key = (row["song_id"], mal_id)
            rows[key] = _merge_rows(rows[key], row) if key in rows else row
    frame = pd.DataFrame(list(rows.values()), columns=list(CATALOG_COLUMNS))
    frame = frame.astype({c: t for c, t in CATALOG_COLUMNS.items() if t != "object"})
    frame = frame.sort_values(
        ["anime_id", "relation", "sequence", "title"], na_position="last"
    ).reset_index(drop=True)
    return frame, rejects


def _song_row(anime: dict, song: dict) -> dict:
    title = (song.get("title") or "").strip()
    anime_title = (anime.get("title_romaji") or anime.get("title_english") or "").strip()
    if not title or not anime_title:
        raise CatalogError(f"song without a title in anime {anime.get('mal_id')}")
    relation = normalise_relation(song.get("relation"))
    anidb_song_id = song.get("anidb_song_id")
    song_id = str(anidb_song_id) if anidb_song_id else hashed_song_id(anime_title, title, relation)
    credits = [_credit(c) for c in song.get("credits") or []]
    links = [_link(link) for link in song.get("links") or []]
    youtube = [link for link in links if link["platform"] == "youtube"]
    return {
        "song_id": song_id,
        "anidb_song_id": anidb_song_id,
        "anime_id": anime["mal_id"],
        "anidb_anime_id": anime.get("anidb_anime_id"),
        "relation": relation,
        "sequence": song.get("sequence"),
        "episodes": song.get("episodes"),
        "title": title,
        "credits": credits,
        "artists": _unique(c["name"] for c in credits if c["role"] == "vocals"),
        "anime_title": anime_title,
        "anime_title_english": anime.get("title_english"),
        "anime_title_japanese": anime.get("title_japanese"),
        "media_type": anime.get("media_type"),
        "start_year": anime.get("start_year"),
        "genres": list(anime.get("genres") or []),
        "themes": list(anime.get("themes") or []),
        "demographic": anime.get("demographic"),
        "studios": list(anime.get("studios") or []),
        "source": anime.get("source"),
        "tags": [{"name": t["name"], "weight": t.get("weight")} for t in anime.get("tags") or []],
        "mal_score": anime.get("mal_score"),
        "mal_rank": anime.get("mal_rank"),
        "mal_popularity": anime.get("mal_popularity"),
        "mal_members": parse_count(anime.get("mal_members")),
        "links": links,
        "views": _max_or_none(link["views"] for link in youtube),
        "likes": _max_or_none(link["likes"] for link in youtube),
    }


def _credit(credit: dict) -> dict:
    role = normalise(credit.get("role"))
    if role not in CREDIT_ROLES:
        raise CatalogError(f"unknown credit role {credit.get('role')!r}")
    name = (credit.get("name") or "").strip()
    if not name:
        raise CatalogError("credit without a name")
    return {"creator_id": credit.get("creator_id"), "name": name, "role": role}


PLAYABLE_LINK_FIELDS = ("audio_url", "episodes", "nsfw", "spoiler", "resolution")


def _link(link: dict) -> dict:
    return {
        "platform": str(link.get("platform") or "").lower(),
        "url": link.get("url"),
        "video_id": link.get("video_id") or None,
        "views": parse_count(link.get("views")),
        "likes": parse_count(link.get("likes")),
        "fetched_at": link.get("fetched_at"),
        # AnimeThemes rows: the ogg, the episodes and the flags the player and nsfw filter need
        **{key: link[key] for key in PLAYABLE_LINK_FIELDS if key in link},
    }


def _merge_rows(old: dict, new: dict) -> dict:
    """Same song listed twice for one anime (e.g. TV and BD versions): keep one row."""
    merged = dict(old)
    for column in ("episodes", "sequence", "anidb_song_id"):
        merged[column] = old[column] if old[column] is not None else new[column]
    merged["credits"] = _unique_dicts(old["credits"] + new["credits"])
    merged["artists"] = _unique(old["artists"] + new["artists"])
    merged["links"] = _unique_dicts(
        old["links"] + new["links"], key=("platform", "url", "video_id")
    )
    youtube = [link for link in merged["links"] if link["platform"] == "youtube"]
    merged["views"] = _max_or_none(link["views"] for link in youtube)
    merged["likes"] = _max_or_none(link["likes"] for link in youtube)
    return merged


def catalog_hash(catalog: pd.DataFrame) -> str:
    """A content hash of the catalog, recorded in the bundle manifest."""
    payload = catalog.to_json(orient="records", force_ascii=False, default_handler=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _unique_dicts(values: list[dict], key: tuple[str, ...] | None = None) -> list[dict]:
    seen, out = set(), []
    for value in values:
        marker = tuple(value.get(k) for k in key) if key else json.dumps(value, sort_keys=True)
        if marker not in seen:
            seen.add(marker)
            out.append(value)
    return out


def _max_or_none(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
