"""Answers of the fake AnimeThemes API, built from small catalogs: ``{mal_id: {name, themes}}``."""

from __future__ import annotations

import re


def theme(
    kind: str,
    sequence: int | None,
    title: str | None,
    artists: list[str],
    *,
    videos: bool = True,
    nsfw: bool = False,
    spoiler: bool = False,
    episodes: str | None = "1-12",
    group: str | None = None,
) -> dict:
    """One theme in the fake's catalog (``kind`` is OP/ED/IN)."""
    return {
        "type": kind,
        "sequence": sequence,
        "title": title,
        "artists": artists,
        "videos": videos,
        "nsfw": nsfw,
        "spoiler": spoiler,
        "episodes": episodes,
        "group": group,
    }


def catalog_from_records(records: list[dict], skip_every: int = 0) -> dict[int, dict]:
    """A fake catalog with one theme per opening/ending of each anime record (the demo's
    shape); every ``skip_every``-th anime is left out (unknown to AnimeThemes)."""
    catalog = {}
    for n, record in enumerate(records):
        if skip_every and n % skip_every == skip_every - 1:
            continue
        themes = []
        for song in record.get("songs") or []:
            kind = {"opening": "OP", "ending": "ED", "insert": "IN"}.get(song.get("relation"))
            if kind:
                artists = [
                    c["name"] for c in song.get("credits") or [] if c.get("role") == "vocals"
                ]
                themes.append(
                    theme(
                        kind,
                        song.get("sequence"),
                        song.get("title"),
                        artists,
                        episodes=song.get("episodes"),
                    )
                )
        catalog[record["mal_id"]] = {
            "name": record.get("title_romaji") or str(record["mal_id"]),
            "themes": themes,
        }
    return catalog


def catalog_from_fake_sites(catalog: list[dict]) -> dict[int, dict]:
    """Themes for the fake sites' generated catalog: every anime's OP and ED, except that the
    third anime is unknown to AnimeThemes and the second one's ending has no video yet."""
    out = {}
    for a in catalog:
        if a["rank"] == 3:
            continue
        themes = [
            theme(
                "OP" if s["relation"] == "opening" else "ED",
                1,
                s["title"],
                [name for _, name in s["vocals"]],
                videos=not (a["rank"] == 2 and s["relation"] == "ending"),
            )
            for s in a["songs"]
        ]
        out[a["mal_id"]] = {"name": a["title"], "themes": themes}
    return out


def anime_json(mal_id: int, item: dict, media_base: str) -> dict:
    """One anime as the index lists it, with every include the client asks for."""
    slug = re.sub(r"\W+", "_", item["name"].lower()).strip("_") or str(mal_id)
    themes = []
    for k, t in enumerate(item["themes"]):
        tslug = f"{t['type']}{t['sequence'] or ''}"
        basename = f"{slug}-{tslug}"
        videos = (
            [
                {
                    "id": 10 * mal_id + k,
                    "basename": f"{basename}.webm",
                    "filename": basename,
                    "resolution": 720,
                    "nc": False,
                    "source": "BD",
                    "tags": "",
                    "link": f"{media_base}/video/{basename}.webm",
                    "audio": {
                        "id": k,
                        "basename": f"{basename}.ogg",
                        "link": f"{media_base}/audio/{basename}.ogg",
                    },
                },
                {
                    "id": 10 * mal_id + k + 5,
                    "basename": f"{basename}NC.webm",
                    "filename": f"{basename}NC",
                    "resolution": 1080,
                    "nc": True,
                    "source": "BD",
                    "tags": "NCBD1080",
                    "link": f"{media_base}/video/{basename}NC.webm",
                    "audio": {
                        "id": k,
                        "basename": f"{basename}.ogg",
                        "link": f"{media_base}/audio/{basename}.ogg",
                    },
                },
            ]
            if t["videos"]
            else []
        )
        themes.append(
            {
                "id": 100 * mal_id + k,
                "type": t["type"],
                "sequence": t["sequence"],
                "group": t["group"],
                "slug": tslug,
                "song": {
                    "id": 100 * mal_id + k,
                    "title": t["title"],
                    "artists": [
                        {"id": j, "name": a, "slug": a.lower(), "artistsong": {"as": None}}
                        for j, a in enumerate(t["artists"])
                    ],
                },
                "animethemeentries": [
                    {
                        "id": 100 * mal_id + k,
                        "version": None,
                        "episodes": t["episodes"],
                        "nsfw": t["nsfw"],
                        "spoiler": t["spoiler"],
                        "notes": None,
                        "videos": videos,
                    }
                ],
            }
        )
    return {
        "id": mal_id + 5_000_000,
        "name": item["name"],
        "slug": slug,
        "year": 2000,
        "season": "Spring",
        "media_format": "TV",
        "animethemes": themes,
        "resources": [
            {
                "id": mal_id,
                "site": "MyAnimeList",
                "external_id": mal_id,
                "link": f"https://myanimelist.net/anime/{mal_id}",
            }
        ],
    }
