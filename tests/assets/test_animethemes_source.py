"""AnimeThemes: the pure parser, the matcher, and the client against the fake API (127.0.0.1)."""

import json

import httpx
import pytest

from animusic_assets.sources.animethemes import (
    AnimeTheme,
    AnimeThemesError,
    ThemeEntry,
    ThemeVideo,
    anime_by_mal_ids_url,
    parse_anime_page,
)
from animusic_assets.sources.animethemes_client import HOST, fetch_themes
from animusic_assets.sources.animethemes_match import add_animethemes_links, match_themes
from animusic_assets.sources.page_cache import PageCache
from animusic_assets.sources.polite_fetcher import FetchError, PoliteFetcher, RetryPolicy
from animusic_assets.sources.rate_limiter import HostLimit, RateLimiter
from tests.assets.fakesite.animethemes import FakeAnimeThemes
from tests.assets.fakesite.animethemes_pages import theme


def _song(relation, sequence, title, *singers):
    return {
        "anidb_song_id": None,
        "title": title,
        "relation": relation,
        "sequence": sequence,
        "credits": [{"creator_id": None, "name": s, "role": "vocals"} for s in singers],
        "links": [],
    }


def _catalog():
    return {
        1: {
            "name": "Cowboy Bebop",
            "themes": [
                theme("OP", 1, "Tank!", ["The Seatbelts"]),
                theme("ED", 1, "The Real Folk Blues", ["The Seatbelts", "Mai Yamane"]),
                theme("ED", 2, "Blue", ["The Seatbelts"], videos=False),
            ],
        },
        5: {
            "name": "Show Five",
            "themes": [
                theme(
                    "OP", None, "Opening Five", ["Singer"], nsfw=True, spoiler=True, episodes="2-12"
                ),
                theme("OP", 1, "Opening Five (English)", ["Dub"], group="English"),
            ],
        },
        7: {"name": "Show Seven", "themes": [theme("IN", 1, "Insert Seven", ["Singer"])]},
    }


@pytest.fixture()
def fake():
    server = FakeAnimeThemes(_catalog()).start()
    yield server
    server.stop()


def _fetcher(tmp_path, attempts=3):
    limiter = RateLimiter(tmp_path / "rl.sqlite3", {HOST: HostLimit(50.0)})
    return PoliteFetcher(
        limiter,
        PageCache(tmp_path / "pages"),
        httpx.Client(timeout=2.0),
        RetryPolicy(attempts, 0.01, 0.05),
    )


def test_url_names_the_filters_includes_and_page():
    url = anime_by_mal_ids_url("https://api.animethemes.moe/", [5, 1, 5], page=2)
    assert url.startswith(
        "https://api.animethemes.moe/anime?filter[has]=resources&filter[site]=MyAnimeList"
    )
    assert "filter[external_id]=1,5&" in url and "page[size]=100&page[number]=2" in url
    assert (
        "include=animethemes.animethemeentries.videos.audio,animethemes.song.artists,resources"
        in url
    )
    with pytest.raises(ValueError):
        anime_by_mal_ids_url("https://x", list(range(101)))


def test_parser_reads_types_sequence_song_artists_entries_videos_audio(fake):
    page = parse_anime_page(
        json.dumps(
            fake.anime_index(
                {
                    "filter[has]": "resources",
                    "filter[site]": "MyAnimeList",
                    "filter[external_id]": "1,5,7,999",
                    "page[size]": "100",
                }
            )
        )
    )
    assert [a.mal_ids for a in page.anime] == [[1], [5], [7]] and not page.has_next  # 999 absent
    bebop = page.anime[0]
    assert [(t.relation, t.sequence, t.song_title) for t in bebop.themes] == [
        ("opening", 1, "Tank!"),
        ("ending", 1, "The Real Folk Blues"),
        ("ending", 2, "Blue"),
    ]
    assert bebop.themes[1].artists == ["The Seatbelts", "Mai Yamane"]
    video = bebop.themes[0].entries[0].videos[1]
    assert (
        video.link.endswith("/video/cowboy_bebop-OP1NC.webm")
        and video.resolution == 1080
        and video.nc
    )
    assert video.audio_link.endswith("/audio/cowboy_bebop-OP1.ogg")
    assert bebop.themes[2].entries[0].videos == [] and bebop.themes[2].best_entry() is None
    five = page.anime[1].themes
    assert (
        five[0].entries[0].nsfw
        and five[0].entries[0].spoiler
        and five[0].entries[0].episodes == "2-12"
    )
    assert five[1].group == "English" and page.anime[2].themes[0].relation == "insert"
    assert AnimeTheme.from_dict(bebop.themes[0].to_dict()) == bebop.themes[0]


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        '{"anime": {}}',
        '{"anime": [{"animethemes": "x"}]}',
        '{"anime": [{"resources": [{"site": "MyAnimeList", "external_id": "abc"}]}]}',
    ],
)
def test_parser_rejects_malformed_answers_with_a_clear_error(body):
    with pytest.raises(AnimeThemesError, match="AnimeThemes"):
        parse_anime_page(body)


def test_best_entry_prefers_a_clean_version_then_the_earliest():
    video = ThemeVideo("https://v/x.webm", 720, False, "BD", None)
    nsfw_v1 = ThemeEntry(1, "1", nsfw=True, spoiler=False, videos=[video])
    clean_v2 = ThemeEntry(2, "2-12", nsfw=False, spoiler=False, videos=[video])
    clean_v3 = ThemeEntry(3, "13", nsfw=False, spoiler=False, videos=[video])
    no_video = ThemeEntry(None, "1", nsfw=False, spoiler=False, videos=[])
    theme_ = AnimeTheme("opening", 1, None, "OP1", "X", [], [nsfw_v1, clean_v3, clean_v2, no_video])
    assert theme_.best_entry() == clean_v2
    only_nsfw = AnimeTheme("opening", 1, None, "OP1", "X", [], [nsfw_v1, no_video])
    assert only_nsfw.best_entry() == nsfw_v1


def test_matching_by_relation_sequence_title_with_artists_as_tie_break():
    themes = [
        AnimeTheme("opening", 1, None, "OP1", "Tank!", ["The Seatbelts"]),
        AnimeTheme("ending", 1, None, "ED1", "The Real Folk Blues (TV Size)", ["Mai Yamane"]),
        AnimeTheme("ending", 2, None, "ED2", "Something Else", ["Nobody"]),
        AnimeTheme("opening", 2, "Dub", "OP2", "Tank!", ["The Seatbelts"]),
    ]
    songs = [
        _song("opening", 1, "TANK"),
        _song("ending", 1, "The Real Folk Blues", "Mai Yamane"),
        _song("ending", 2, "Blue", "The Seatbelts"),
        _song("insert", 1, "Tank!"),
    ]
    # exact title; same sequence + shared artist; ED2 neither title nor artist -> unmatched;
    # the dub group's theme and the insert (other relation) never match
    assert match_themes(songs, themes) == [(0, 0), (1, 1)]
    twins = [_song("opening", None, "Same", "A"), _song("opening", None, "Same", "B")]
    assert match_themes(twins, [AnimeTheme("opening", 1, None, "OP1", "Same", ["B"])]) == [(1, 0)]


def test_links_rows_and_new_songs_only_without_anidb_songs(fake):
    page = parse_anime_page(
        json.dumps(
            fake.anime_index(
                {
                    "filter[has]": "resources",
                    "filter[site]": "MyAnimeList",
                    "filter[external_id]": "1,5",
                    "page[size]": "100",
                }
            )
        )
    )
    bebop, five = page.anime[0].themes, page.anime[1].themes
    songs = [
        _song("opening", 1, "Tank!"),
        _song("ending", None, "Blue"),
        _song("ending", 1, "Real Folk Blues"),
    ]
    out, stats = add_animethemes_links(songs, bebop, 1700000000.0)
    link = out[0]["links"][0]
    assert link == {
        "platform": "animethemes",
        "url": f"{fake.base}/video/cowboy_bebop-OP1NC.webm",
        "audio_url": f"{fake.base}/audio/cowboy_bebop-OP1.ogg",
        "video_id": None,
        "episodes": "1-12",
        "nsfw": False,
        "spoiler": False,
        "resolution": 1080,
        "fetched_at": 1700000000.0,
    }
    assert out[1]["links"] == []  # "Blue" matched a theme without videos: no link invented
    assert len(out) == 3 and songs[0]["links"] == []  # inputs untouched, no new songs
    assert (stats.op_ed_songs, stats.op_ed_matched, stats.linked_songs, stats.new_songs) == (
        3,
        3,
        2,
        0,
    )
    again, _ = add_animethemes_links(out, bebop, 1700000000.0)
    assert len(again[0]["links"]) == 1  # the same link is not appended twice
    new, stats = add_animethemes_links([], five, None)
    assert [(s["title"], s["relation"], s["links"][0]["nsfw"]) for s in new] == [
        ("Opening Five", "opening", True)
    ]
    assert (
        new[0]["credits"] == [{"creator_id": None, "name": "Singer", "role": "vocals"}]
        and stats.new_songs == 1
    )


def test_client_batches_100_ids_pages_and_skips_unknown_ids(fake, tmp_path):
    fake.max_page_size = 2  # force paging: 3 known anime over 2 pages
    fetcher = _fetcher(tmp_path)
    result = fetch_themes(fetcher, fake.base, [7, 1, 5, 999, *range(2000, 2150)])
    assert sorted(result.themes) == [1, 5, 7] and result.requests == 3  # 2 chunks, first one paged
    paths = [r["path"] for r in fake.requests()]
    assert (
        len(paths) == 3
        and "page[number]=2" in paths[1]
        and "filter[external_id]=1,5,7,999,2000" in paths[0]
    )
    assert (
        fetch_themes(fetcher, fake.base, [1, 5, 7, 999, *range(2000, 2150)]).themes.keys()
        == result.themes.keys()
    )
    assert len(fake.requests()) == 3  # the second call came from the cache


def test_client_honours_retry_after_and_retries_malformed_answers(fake, tmp_path):
    fake.inject("429=0.3", "malformed")
    result = fetch_themes(_fetcher(tmp_path), fake.base, [1])
    statuses = [r["status"] for r in fake.requests()]
    times = [r["t"] for r in fake.requests()]
    assert statuses == [429, 200, 200] and times[1] - times[0] >= 0.3 and 1 in result.themes


def test_client_fails_with_one_line_after_polite_retries(fake, tmp_path):
    fake.inject("503", "503", "503")
    with pytest.raises(FetchError, match="gave up after 3 attempts") as info:
        fetch_themes(_fetcher(tmp_path), fake.base, [1])
    assert "\n" not in str(info.value)
    fake.inject("malformed", "malformed", "malformed")
    with pytest.raises(FetchError, match="malformed AnimeThemes answer"):
        fetch_themes(_fetcher(tmp_path / "b"), fake.base, [1])
