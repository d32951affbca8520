"""AnimeThemes (api.animethemes.moe): request URLs and a pure parser for its anime index.

One request asks for up to 100 anime by their MyAnimeList ids (the anime's ``resources`` with
``site=MyAnimeList``) and includes every theme with its entries, videos, audio, song and
artists. The answer is ``{"anime": [...], "links": {..., "next"}, "meta": {"current_page"}}``;
MAL ids AnimeThemes does not know are simply absent. No Dagster, no network here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlencode

PAGE_SIZE = 100  # the API's largest page, and the most ids we put in one filter
INCLUDE = "animethemes.animethemeentries.videos.audio,animethemes.song.artists,resources"
RELATIONS = {"OP": "opening", "ED": "ending", "IN": "insert"}
MAX_RESOLUTION = 1080  # prefer a 1080p video over a larger one: it starts sooner


class AnimeThemesError(ValueError):
    """The answer is not the anime index we asked for (malformed JSON or wrong shape)."""


@dataclass(frozen=True)
class ThemeVideo:
    link: str  # the webm URL to stream
    resolution: int | None
    nc: bool  # creditless
    source: str | None  # BD, WEB, ...
    audio_link: str | None  # the ogg of the same sequence


@dataclass(frozen=True)
class ThemeEntry:
    version: int | None
    episodes: str | None
    nsfw: bool
    spoiler: bool
    videos: list[ThemeVideo] = field(default_factory=list)


@dataclass(frozen=True)
class AnimeTheme:
    relation: str  # opening / ending / insert
    sequence: int | None
    group: str | None  # dubs, rebroadcasts: not the original sequence
    slug: str  # OP1, ED2, ...
    song_title: str | None
    artists: list[str] = field(default_factory=list)
    entries: list[ThemeEntry] = field(default_factory=list)

    def best_entry(self) -> ThemeEntry | None:
        """The earliest version with a video, preferring one that is neither nsfw nor a spoiler
        (those links are not served by default, so a clean later version plays instead)."""
        with_videos = [e for e in self.entries if e.videos]
        if not with_videos:
            return None
        return min(with_videos, key=lambda e: (e.nsfw, e.spoiler, e.version or 1))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> AnimeTheme:
        entries = [
            ThemeEntry(**{**e, "videos": [ThemeVideo(**v) for v in e.get("videos") or []]})
            for e in data.get("entries") or []
        ]
        return cls(**{**data, "artists": list(data.get("artists") or []), "entries": entries})


def best_video(entry: ThemeEntry) -> ThemeVideo | None:
    """Creditless, then the highest resolution up to 1080p, then a Blu-ray source."""

    def rank(video: ThemeVideo) -> tuple:
        res = video.resolution or 0
        return (video.nc, res if res <= MAX_RESOLUTION else -res, video.source == "BD")

    return max(entry.videos, key=rank) if entry.videos else None


@dataclass(frozen=True)
class AnimeThemesAnime:
    mal_ids: list[int]
    name: str
    slug: str
    themes: list[AnimeTheme] = field(default_factory=list)


@dataclass(frozen=True)
class AnimePage:
    anime: list[AnimeThemesAnime]
    current_page: int
    has_next: bool


def anime_by_mal_ids_url(base: str, mal_ids: list[int], page: int = 1) -> str:
    """The anime index filtered to these MAL ids (sorted, so the cache key is stable)."""
    if not 0 < len(mal_ids) <= PAGE_SIZE:
        raise ValueError(f"ask for 1 to {PAGE_SIZE} MAL ids per request, not {len(mal_ids)}")
    query = {
        "filter[has]": "resources",
        "filter[site]": "MyAnimeList",
        "filter[external_id]": ",".join(str(int(i)) for i in sorted(set(mal_ids))),
        "include": INCLUDE,
        "page[size]": str(PAGE_SIZE),
        "page[number]": str(int(page)),
    }
    return f"{base.rstrip('/')}/anime?{urlencode(query, safe='[],.')}"


def parse_anime_page(body: str) -> AnimePage:
    """Parse one page of the anime index; raises AnimeThemesError when it is not one."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise AnimeThemesError(f"malformed JSON from AnimeThemes: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("anime"), list):
        raise AnimeThemesError("AnimeThemes answer has no 'anime' list")
    links, meta = payload.get("links") or {}, payload.get("meta") or {}
    if not isinstance(links, dict) or not isinstance(meta, dict):
        raise AnimeThemesError("AnimeThemes answer has malformed 'links' or 'meta'")
    try:
        anime = [_anime(item) for item in payload["anime"]]
        current = int(meta.get("current_page") or 1)
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise AnimeThemesError(f"AnimeThemes answer has an unexpected shape: {exc!r}") from None
    return AnimePage(anime, current, bool(links.get("next")))


def _anime(item: dict) -> AnimeThemesAnime:
    mal_ids = sorted(
        {
            int(r["external_id"])
            for r in item.get("resources") or []
            if r.get("site") == "MyAnimeList" and r.get("external_id") is not None
        }
    )
    themes = [t for t in (_theme(t) for t in item.get("animethemes") or []) if t is not None]
    return AnimeThemesAnime(
        mal_ids, str(item.get("name") or ""), str(item.get("slug") or ""), themes
    )


def _theme(item: dict) -> AnimeTheme | None:
    relation = RELATIONS.get(str(item.get("type") or "").upper())
    if relation is None:
        return None
    song = item.get("song") or {}
    group = item.get("group")
    if isinstance(group, dict):  # newer API: the group is a related resource
        group = group.get("name")
    entries = [_entry(e) for e in item.get("animethemeentries") or []]
    return AnimeTheme(
        relation=relation,
        sequence=_int(item.get("sequence")),
        group=group or None,
        slug=str(item.get("slug") or ""),
        song_title=song.get("title") or None,
        artists=[a["name"] for a in song.get("artists") or [] if a.get("name")],
        entries=entries,
    )


def _entry(item: dict) -> ThemeEntry:
    videos = [_video(v) for v in item.get("videos") or [] if v.get("link")]
    episodes = item.get("episodes")
    return ThemeEntry(
        version=_int(item.get("version")),
        episodes=str(episodes) if episodes else None,
        nsfw=bool(item.get("nsfw")),
        spoiler=bool(item.get("spoiler")),
        videos=videos,
    )


def _video(item: dict) -> ThemeVideo:
    audio = item.get("audio") or {}
    return ThemeVideo(
        link=str(item["link"]),
        resolution=_int(item.get("resolution")),
        nc=bool(item.get("nc")),
        source=item.get("source") or None,
        audio_link=audio.get("link") or None,
    )


def _int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def themes_by_mal_id(pages: list[AnimePage]) -> dict[int, list[AnimeTheme]]:
    """Every theme per MAL id; an id two AnimeThemes anime point to gets the themes of both."""
    found: dict[int, list[AnimeTheme]] = {}
    for page in pages:
        for anime in page.anime:
            for mal_id in anime.mal_ids:
                found.setdefault(mal_id, []).extend(anime.themes)
    return found
