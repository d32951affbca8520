"""Pure parsers on hand-written fixtures and on the real saved pages in ../shared/fixtures."""

import json
from pathlib import Path

import pytest

from animusic_assets.sources import anidb, anilist, mal_api, mal_page, youtube

HERE = Path(__file__).parent / "fixtures" / "live"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"


def _shared(rel: str) -> str:
    path = SHARED / rel
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared not checked out)")
    return path.read_text(encoding="utf-8")


def test_anidb_hand_written_songs_rowspans_and_credits():
    page = anidb.parse_anidb_anime((HERE / "anidb_small.html").read_text(encoding="utf-8"))
    assert page["tags"] == [
        {"name": "music", "weight": 600},
        {"name": "idol", "weight": 200},
        {"name": "school life", "weight": None},
    ]
    songs = {s["anidb_song_id"]: s for s in page["songs"]}
    assert [s["relation"] for s in page["songs"]] == [
        "opening",
        "opening",
        "insert",
    ]  # carried over rowspans
    hello = songs[111]
    assert hello["title"] == "Hello, World!" and hello["episodes"] == "1-12, OP1"
    assert (hello["rating"], hello["votes"]) == (8.12, 17)
    assert [(c["creator_id"], c["name"], c["role"]) for c in hello["credits"]] == [
        (1, "Aoi Hana", "vocals"),
        (2, "あおい", "vocals"),
        (3, "Kenji Sato", "composition"),
        (4, "Choir A", "chorus"),
        (5, "Choir B", "chorus"),
    ]
    assert songs[222]["sequence"] == 2 and songs[222]["rating"] is None and songs[222]["votes"] == 0
    assert songs[333]["title"] == "Rain & Tears"
    assert {c["role"] for c in songs[333]["credits"]} == {"arrangement", "vocals"}


def test_anidb_ban_page_is_detected():
    html = (HERE / "anidb_ban.html").read_text(encoding="utf-8")
    assert anidb.anidb_ban_reason(html)
    with pytest.raises(anidb.AnidbPageError):
        anidb.parse_anidb_anime(html)
    assert anidb.anidb_ban_reason((HERE / "anidb_small.html").read_text(encoding="utf-8")) is None


def test_anidb_real_page():
    page = anidb.parse_anidb_anime(_shared("anidb/anime_13734.html"))
    assert anidb.anidb_ban_reason(_shared("anidb/anime_13734.html")) is None
    tags = {t["name"]: t["weight"] for t in page["tags"]}
    assert tags["comedy"] == 600 and tags["nudity"] == 200 and "content indicators" not in tags
    ids = [(s["anidb_song_id"], s["relation"]) for s in page["songs"]]
    assert ids == [(99996, "opening"), (100473, "ending"), (100790, "ending"), (99996, "ending")]
    ending = page["songs"][1]
    vocals = [c["name"] for c in ending["credits"] if c["role"] == "vocals"]
    assert vocals == [
        "Izu no Kaze",
        "Kimura Ryouhei",
        "Konishi Katsuyuki",
        "Uchida Yuuma",
        "Yasumoto Hiroki",
    ]
    arrangement = [
        c["creator_id"] for c in page["songs"][0]["credits"] if c["role"] == "arrangement"
    ]
    assert arrangement == [46867, 74939]


def test_mal_page_hand_written_animedb_link_in_resources():
    page = mal_page.parse_mal_page((HERE / "mal_animedb_link.html").read_text(encoding="utf-8"))
    assert page == {
        "title_romaji": "Hand Show: Re;Start!",
        "title_english": "Hand Show: Restart",
        "title_japanese": "ハンド・ショー",
        "anidb_anime_id": 4242,
    }
    assert mal_page.anidb_id_from_links('<a href="https://anidb.net/anime/77">x</a>') == 77
    assert not mal_page.is_usable_mal_page("<html><div id='app'>Loading</div></html>")


def test_mal_page_real():
    page = mal_page.parse_mal_page(_shared("mal/anime_57181.html"))
    assert page == {
        "title_romaji": "Ao no Hako",
        "title_english": "Blue Box",
        "title_japanese": "アオのハコ",
        "anidb_anime_id": 18278,
    }


def test_mal_api_ranking_and_details_real():
    entries, nxt = mal_api.parse_ranking(json.loads(_shared("mal_api/ranking_doc_example.json")))
    assert entries[0] == {"mal_id": 5114, "rank": 1, "title": "Fullmetal Alchemist: Brotherhood"}
    assert nxt and len(entries) == 4
    one_piece = mal_api.parse_details(json.loads(_shared("mal_api/anime_21_details.json")))
    assert one_piece["mal_rank"] == 55 and one_piece["mal_members"] == 2172205
    assert one_piece["demographic"] == "Shounen" and "Shounen" not in one_piece["genres"]
    assert one_piece["title_japanese"] == "ONE PIECE" and one_piece["start_year"] == 1999
    url = mal_api.details_url("http://127.0.0.1:1", 21)
    assert (
        "opening_themes" in url
        and "num_list_users" in url
        and "members" not in url.replace("num_list_users", "")
    )


def test_youtube_search_skips_ads_shorts_channels_playlists_live():
    videos = youtube.parse_search((HERE / "youtube_search_mixed.html").read_text(encoding="utf-8"))
    assert [v["video_id"] for v in videos] == ["OTHER000001", "GOOD0000001"]
    best = youtube.pick_video(videos, "Hello, World!", "Aoi Hana")
    assert best["video_id"] == "GOOD0000001" and best["views"] == 1234567
    assert youtube.pick_video(videos, "Nothing Like It", "Nobody") is None


def test_youtube_watch_hidden_likes_are_none_not_zero():
    stats = youtube.parse_watch(
        (HERE / "youtube_watch_hidden_likes.html").read_text(encoding="utf-8")
    )
    assert stats == {"views": 938066, "likes": None}


def test_youtube_real_pages():
    videos = youtube.parse_search(_shared("youtube/search_results.html"))
    assert videos[0]["video_id"] == "e9vrfEoc8_g" and videos[0]["views"] == 39552829
    assert youtube.pick_video(videos, "Love Theme from Superman")["video_id"] == "JAWI0H5T6nI"
    assert youtube.parse_watch(_shared("youtube/watch_e9vrfEoc8_g.html")) == {
        "views": 38891749,
        "likes": 135159,
    }


def test_anilist_list_to_mal_ids():
    entries = anilist.parse_media_list(
        json.loads((HERE / "anilist_list.json").read_text(encoding="utf-8"))
    )
    assert [e["mal_id"] for e in entries] == [5114, 16498]
    with pytest.raises(anilist.AnilistError):
        anilist.parse_media_list({"errors": [{"message": "User not found"}]})
    assert anilist.list_request("demo")["variables"] == {"name": "demo"}
