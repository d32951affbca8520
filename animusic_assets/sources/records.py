"""Assemble one anime record (the shape of ``animusic_assets/demo``) from the stage results.

Each field's source and fetch time are recorded under ``provenance`` so the catalog can say
where a value came from. Pure.
"""

from __future__ import annotations

import datetime as dt

from animusic_assets.core.text import normalise
from animusic_assets.sources.animethemes_match import with_animethemes_links


def song_key(song: dict) -> str:
    """Songs are keyed by their AniDB id (title + relation only when AniDB gave none)."""
    if song.get("anidb_song_id"):
        return str(song["anidb_song_id"])
    return f"{normalise(song.get('relation'))}|{normalise(song.get('title'))}"


def iso(ts: float | None) -> str | None:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds") if ts else None


def assemble_record(
    details: dict,
    page: dict | None,
    anidb: dict | None,
    youtube: dict | None,
    animethemes: dict | None = None,
) -> dict:
    page, anidb, youtube = page or {}, anidb or {}, youtube or {}
    record = {k: v for k, v in details.items() if k not in ("fetched_at", "mal_themes")}
    for key in ("title_romaji", "title_english", "title_japanese"):
        record[key] = record.get(key) or page.get(key)
    record["anidb_anime_id"] = page.get("anidb_anime_id")
    record["tags"] = list(anidb.get("tags") or [])
    links = youtube.get("links") or {}
    songs = []
    for song in anidb.get("songs") or []:
        if song.get("relation") not in ("opening", "ending", "insert", "image"):
            continue
        entry = {
            k: song.get(k)
            for k in (
                "anidb_song_id",
                "title",
                "relation",
                "sequence",
                "episodes",
                "rating",
                "votes",
                "credits",
            )
        }
        entry["links"] = [links[song_key(song)]] if links.get(song_key(song)) else []
        songs.append(entry)
    record["songs"] = with_animethemes_links(songs, animethemes)
    record["provenance"] = {
        "titles, score, rank, popularity, members, genres, studios, source": {
            "source": "mal_api",
            "fetched_at": iso(details.get("fetched_at")),
        },
        "anidb_anime_id, page titles": {
            "source": "mal_page",
            "fetched_at": iso(page.get("fetched_at")),
        },
        "tags, songs, credits": {"source": "anidb", "fetched_at": iso(anidb.get("fetched_at"))},
        "links, views, likes": {"source": "youtube", "fetched_at": iso(youtube.get("fetched_at"))},
        "animethemes links": {
            "source": "animethemes",
            "fetched_at": iso((animethemes or {}).get("fetched_at")),
        },
    }
    return record
