"""Pages of the fake sites, rendered from a small generated catalog in the real sites' layouts."""

from __future__ import annotations

import html
import json
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures"
# one distinctive AniDB tag per anime, so a catalog built from the fake sites has songs that
# resemble their own anime's songs (the TF-IDF blocking check asks for that)
THEMES = [
    "baseball team rivalry",
    "cooking contest kitchen",
    "space opera fleet",
    "samurai swordplay duel",
    "detective murder mystery",
    "mecha pilot war",
    "vampire night hunter",
    "pirates treasure sea",
    "racing cars speed",
    "swimming club pool",
    "chess prodigy tournament",
    "volleyball club spikes",
]
REAL_ANIDB_AID = (
    13734  # ../shared/fixtures/anidb/anime_13734.html (Grand Blue), served when present
)


def make_catalog(n: int = 12) -> list[dict]:
    """n anime ranked 1..n; anime i has an opening and an ending with AniDB song ids."""
    anime = []
    for i in range(1, n + 1):
        aid = (
            REAL_ANIDB_AID
            if i == 1 and (SHARED / "anidb" / "anime_13734.html").exists()
            else 5000 + i
        )
        anime.append(
            {
                "mal_id": 1000 + i,
                "rank": i,
                "aid": aid,
                "title": f"Fake Show {i}: Blue & Gold!",
                "theme": THEMES[(i - 1) % len(THEMES)],
                "english": f"Fake Show {i} (English)",
                "japanese": f"偽の番組{i}",
                "songs": [
                    {
                        "id": 70000 + 10 * i + k,
                        "relation": rel,
                        "title": f"Song {rel.title()} {i}",
                        "vocals": [(900 + i, f"Singer {i}"), (950 + i, f"Chorus Member {i}")]
                        if k == 0
                        else [(900 + i, f"Singer {i}")],
                        "lyrics": [(800 + i, f"Lyricist {i}")],
                    }
                    for k, rel in enumerate(("opening", "ending"))
                ],
            }
        )
    return anime


def ranking_json(catalog, offset: int, limit: int) -> dict:
    data = [
        {"node": {"id": a["mal_id"], "title": a["title"]}, "ranking": {"rank": a["rank"]}}
        for a in catalog[offset : offset + limit]
    ]
    nxt = (
        f"https://api.myanimelist.net/v2/anime/ranking?offset={offset + limit}&limit={limit}"
        if offset + limit < len(catalog)
        else None
    )
    return {"data": data, "paging": {"next": nxt} if nxt else {}}


def details_json(a: dict) -> dict:
    return {
        "id": a["mal_id"],
        "title": a["title"],
        "alternative_titles": {"en": a["english"], "ja": a["japanese"]},
        "mean": 8.5 - a["rank"] / 100,
        "rank": a["rank"],
        "popularity": a["rank"] * 3,
        "num_list_users": 100000 - a["rank"],
        "genres": [
            {"id": 1, "name": "Action"},
            {"id": 23, "name": "School"},
            {"id": 27, "name": "Shounen"},
        ],
        "studios": [{"id": 1, "name": "Studio Fake"}],
        "source": "manga",
        "media_type": "tv",
        "start_date": "2015-04-01",
        "num_episodes": 12,
    }


def mal_page_html(a: dict) -> str:
    link = (
        f"https://anidb.net/anime/{a['aid']}"
        if a["rank"] % 2
        else f"https://anidb.net/perl-bin/animedb.pl?show=anime&amp;aid={a['aid']}"
    )
    return (
        f"<html><head><title>{html.escape(a['title'])} - MyAnimeList.net</title></head><body>"
        f"<div class='h1-title'><h1 class='title-name h1_bold_none'><strong>{html.escape(a['title'])}</strong></h1>"
        f"<p class='title-english title-inherit'>{html.escape(a['english'])}</p></div>"
        f"<h2>Alternative Titles</h2><div class='spaceit_pad'><span class='dark_text'>Japanese:</span> {a['japanese']}</div>"
        f"<h2>Resources</h2><div class='external_links'><a href='{link}' class='link'>AniDB</a></div></body></html>"
    )


def mal_js_shell(a: dict) -> str:
    """A page whose content only exists after JavaScript runs (needs the browser fallback)."""
    return (
        f"<html><head><title>Loading</title></head><body><div id='app'>Loading…</div><script>"
        f"document.getElementById('app').innerHTML = {json.dumps(mal_page_html(a))};</script></body></html>"
    )


def anidb_html(a: dict) -> str:
    if a["aid"] == REAL_ANIDB_AID and (SHARED / "anidb" / "anime_13734.html").exists():
        return (SHARED / "anidb" / "anime_13734.html").read_text(encoding="utf-8")
    rows: list[str] = []
    by_rel: dict[str, list[dict]] = {}
    for s in a["songs"]:
        by_rel.setdefault(s["relation"], []).append(s)
    for rel, songs in by_rel.items():
        total = 2 * len(songs)  # two credit rows per song
        for j, s in enumerate(songs):
            rel_cell = f"<td rowspan='{total}' class='reltype'>{rel}</td>" if j == 0 else ""
            vocals = " ".join(f"<a href='/creator/{cid}'>{n}</a>" for cid, n in s["vocals"])
            lyrics = " ".join(f"<a href='/creator/{cid}'>{n}</a>" for cid, n in s["lyrics"])
            rows.append(
                f"<tr>{rel_cell}<td rowspan='2' class='name song'><a href='/song/{s['id']}'>{s['title']}</a></td>"
                f"<td rowspan='2' class='eprange'>1-12</td><td rowspan='2' class='rating'>7.50 <span class='count'>(4)</span></td>"
                f"<td class='credit'><a>Vocals/Performed by (歌)</a></td><td class='name creator'>{vocals}</td></tr>"
                f"<tr class='rowspan'><td class='credit'><a>Lyrics (作詞)</a></td><td class='name creator'>{lyrics}</td></tr>"
            )
    return (
        f"<html><head><title>{a['title']} - Anime - AniDB</title></head><body>"
        f"<div class='g_section animetags'><div class='tag parent'><span class='tagname'>themes</span></div>"
        f"<div class='tag' data-anidb-weight='500'><span class='tagname'>{a['theme']}</span></div>"
        f"<div class='tag' data-anidb-weight='400'><span class='tagname'>school life</span></div>"
        f"<div class='tag' data-anidb-weight='300'><span class='tagname'>friendship</span></div>"
        f"<div class='tag'><span class='tagname'>music</span></div></div>"
        f"<table id='songlist' class='songlist'><tbody>{''.join(rows)}</tbody></table></body></html>"
    )


BAN_PAGE = (
    "<html><head><title>AniDB</title></head><body><h1>Banned</h1><p>You have been banned. "
    "Read the FAQ, then use the unban me form.</p></body></html>"
)


def search_html(videos: list[dict]) -> str:
    contents = [
        {"adSlotRenderer": {"videoId": "adAdAdAdAdA"}},
        {"channelRenderer": {"channelId": "UCfake", "title": {"simpleText": "Some channel"}}},
        {
            "reelShelfRenderer": {
                "items": [
                    {
                        "videoRenderer": {
                            "videoId": "shortShort1",
                            "title": {"runs": [{"text": "short"}]},
                        }
                    }
                ]
            }
        },
    ]
    for v in videos:
        contents.append(
            {
                "videoRenderer": {
                    "videoId": v["id"],
                    "title": {"runs": [{"text": v["title"]}]},
                    "ownerText": {"runs": [{"text": v.get("channel", "Fake Channel")}]},
                    "viewCountText": {"simpleText": f"{v['views']:,} views"},
                }
            }
        )
    data = {
        "contents": {
            "twoColumnSearchResultsRenderer": {
                "primaryContents": {
                    "sectionListRenderer": {
                        "contents": [{"itemSectionRenderer": {"contents": contents}}]
                    }
                }
            }
        }
    }
    return f"<html><body><script>var ytInitialData = {json.dumps(data)};</script></body></html>"


def watch_html(video_id: str, views: int, likes: int | None) -> str:
    like = (
        f'"defaultText":{{"accessibility":{{"accessibilityData":{{"label":"{likes:,} likes"}}}},"simpleText":"x"}}'
        if likes is not None
        else '"defaultText":{"accessibility":{"accessibilityData":{"label":"I like this"}}}'
    )
    return (
        f'<html><body><script>var ytInitialPlayerResponse = {{"videoDetails":{{"videoId":"{video_id}",'
        f'"viewCount":"{views}"}}}};</script><script>var ytInitialData = {{{like}}};</script></body></html>'
    )
