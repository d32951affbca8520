"""YouTube search and watch pages: ``ytInitialData`` -> video candidates, views and likes. Pure."""

from __future__ import annotations

import json
import re
from urllib.parse import quote_plus

from animusic_assets.core.counts import parse_count
from animusic_assets.core.text import normalise

_INITIAL = re.compile(r"(?:var\s+ytInitialData|window\[\"ytInitialData\"\])\s*=\s*")
_LIKES = (
    re.compile(r'"label":"([\d,.\s\u00a0]+[KMB]?) likes?"'),
    re.compile(r"like this video along with ([\d,.\u00a0]+) other"),
)
_SKIP_BADGES = ("LIVE", "Live", "Premiere", "Shorts")


class YoutubePageError(ValueError):
    """No ytInitialData / player data on the page (consent wall, error page, cut off)."""


_PLAYER = re.compile(r"ytInitialPlayerResponse\s*=\s*\{")


def watch_page_problem(html: str) -> str | None:
    """Why ``html`` is not a usable watch page (None when it is). Without the player data
    (``ytInitialPlayerResponse`` with ``videoDetails``) views and likes cannot be read, and
    "unknown" must not pass for "hidden likes"."""
    player = _PLAYER.search(html)
    if player is None or '"videoDetails"' not in html[player.end() :]:
        return "no player data (ytInitialPlayerResponse.videoDetails) on the watch page"
    return None


def search_url(base: str, query: str) -> str:
    return f"{base.rstrip('/')}/results?search_query={quote_plus(query)}"


def watch_url(base: str, video_id: str) -> str:
    return f"{base.rstrip('/')}/watch?v={video_id}"


def initial_data(html: str) -> dict:
    match = _INITIAL.search(html)
    if not match:
        raise YoutubePageError("no ytInitialData on the page")
    data, _ = json.JSONDecoder().raw_decode(html[match.end() :])
    return data


def parse_search(html: str) -> list[dict]:
    """Plain videos in page order: ads, shorts, channels, playlists, live items and
    shelves of other content are skipped (they are different renderers or badged)."""
    videos: list[dict] = []
    _collect(initial_data(html), videos)
    return videos


def _collect(node: object, out: list[dict]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "videoRenderer" and isinstance(value, dict):
                video = _video(value)
                if video:
                    out.append(video)
            elif key in (
                "reelShelfRenderer",
                "shortsLockupViewModel",
                "adSlotRenderer",
                "promotedSparklesWebRenderer",
                "searchPyvRenderer",
                "channelRenderer",
                "playlistRenderer",
                "radioRenderer",
            ):
                continue
            else:
                _collect(value, out)
    elif isinstance(node, list):
        for item in node:
            _collect(item, out)


def _video(renderer: dict) -> dict | None:
    video_id = renderer.get("videoId")
    if not video_id or renderer.get("upcomingEventData"):
        return None
    badges = json.dumps(renderer.get("badges") or []) + json.dumps(
        renderer.get("thumbnailOverlays") or []
    )
    if any(b in badges for b in _SKIP_BADGES) or "/shorts/" in json.dumps(
        renderer.get("navigationEndpoint") or {}
    ):
        return None
    title = "".join(r.get("text", "") for r in (renderer.get("title") or {}).get("runs") or [])
    owner = "".join(r.get("text", "") for r in (renderer.get("ownerText") or {}).get("runs") or [])
    views = (renderer.get("viewCountText") or {}).get("simpleText")
    return {"video_id": video_id, "title": title, "channel": owner, "views": parse_count(views)}


def is_relevant(video: dict, song_title: str, artist: str | None = None) -> bool:
    """Relevant when the normalised song title (or, failing that, the artist) is in the title."""
    haystack = normalise(video["title"] + " " + video.get("channel", ""))
    words = normalise(song_title)
    if words and words in haystack:
        return True
    return (
        bool(artist)
        and normalise(artist) in haystack
        and any(w in haystack.split() for w in words.split() if len(w) > 2)
    )


def pick_video(videos: list[dict], song_title: str, artist: str | None = None) -> dict | None:
    return next((v for v in videos if is_relevant(v, song_title, artist)), None)


def parse_watch(html: str) -> dict:
    """Views and likes of a watch page as integers; likes None when hidden (never 0).
    A page without the player data raises ``YoutubePageError``."""
    problem = watch_page_problem(html)
    if problem:
        raise YoutubePageError(problem)
    views = None
    match = re.search(r'"viewCount":"(\d+)"', html) or re.search(
        r'itemprop="interactionCount" content="(\d+)"', html
    )
    if match:
        views = int(match.group(1))
    likes = None
    first = _LIKES[0].search(html)
    if first:
        likes = parse_count(first.group(1))
    else:
        other = _LIKES[1].search(html)
        lower_bound = parse_count(other.group(1)) if other else None
        likes = lower_bound + 1 if lower_bound is not None else None
    return {"views": views, "likes": likes}
