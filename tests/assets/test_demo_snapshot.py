"""The embedded demo snapshot: enough real facts, well-formed, and no invented video ids."""

import json
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest

from animusic_assets import demo

RELATIONS = {"opening", "ending", "insert", "image"}
CREDIT_ROLES = {"vocals", "lyrics", "composition", "arrangement", "chorus"}
MEDIA_TYPES = {"tv", "movie", "ova", "ona", "special"}
ANIME_KEYS = {
    "mal_id",
    "anidb_anime_id",
    "title_romaji",
    "title_english",
    "title_japanese",
    "media_type",
    "start_year",
    "genres",
    "themes",
    "demographic",
    "studios",
    "source",
    "mal_score",
    "mal_rank",
    "mal_popularity",
    "mal_members",
    "tags",
    "songs",
}
SONG_KEYS = {"relation", "sequence", "title", "episodes", "credits", "links"}
CREDIT_KEYS = {"role", "name", "creator_id"}
LINK_KEYS = {"platform", "url", "video_id", "views", "likes", "fetched_at"}


@pytest.fixture(scope="module")
def snapshot():
    return demo.load_snapshot()


def _songs(snapshot):
    return [(anime, song) for anime in snapshot for song in anime["songs"]]


def test_snapshot_as_of_is_a_date_string():
    assert isinstance(demo.SNAPSHOT_AS_OF, str) and demo.SNAPSHOT_AS_OF[:2] == "20"


def test_minimum_counts(snapshot):
    assert len(snapshot) >= 60
    assert len(_songs(snapshot)) >= 300


def test_several_files_each_a_list():
    files = demo.snapshot_files()
    assert len(files) >= 2
    for entry in files:
        assert isinstance(json.loads(entry.read_text(encoding="utf-8")), list), entry.name


def test_sorted_and_unique_mal_ids(snapshot):
    ids = [anime["mal_id"] for anime in snapshot]
    assert all(isinstance(i, int) and i > 0 for i in ids)
    assert ids == sorted(ids)
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_required_keys_and_types(snapshot):
    for anime in snapshot:
        where = f"mal_id {anime['mal_id']}"
        assert set(anime) >= ANIME_KEYS, (where, ANIME_KEYS - set(anime))
        assert isinstance(anime["title_romaji"], str) and anime["title_romaji"].strip(), where
        assert anime["media_type"] in MEDIA_TYPES, where
        for key in ("genres", "themes", "studios", "tags", "songs"):
            assert isinstance(anime[key], list), (where, key)
        assert anime["genres"] and anime["studios"] and anime["songs"], where
        for key in ("mal_score", "mal_rank", "mal_popularity", "mal_members"):
            assert anime[key] is None or isinstance(anime[key], (int, float)), (where, key)
        for song in anime["songs"]:
            assert set(song) >= SONG_KEYS, (where, SONG_KEYS - set(song))
            for credit in song["credits"]:
                assert set(credit) >= CREDIT_KEYS, (where, song["title"])
            for link in song["links"]:
                assert set(link) >= LINK_KEYS, (where, song["title"])


def test_titles_non_empty(snapshot):
    for anime, song in _songs(snapshot):
        assert isinstance(song["title"], str) and song["title"].strip(), anime["mal_id"]
        assert song["title"] == song["title"].strip(), (anime["mal_id"], song["title"])


def test_relations_sequences_and_credits(snapshot):
    for anime, song in _songs(snapshot):
        where = (anime["mal_id"], song["title"])
        assert song["relation"] in RELATIONS, where
        seq = song["sequence"]
        assert seq is None or (isinstance(seq, int) and seq >= 1), where
        if song["relation"] in {"insert", "image"}:
            assert seq is None, where
        assert song["episodes"] is None or (
            isinstance(song["episodes"], str) and song["episodes"]
        ), where
        for credit in song["credits"]:
            assert credit["role"] in CREDIT_ROLES, where
            assert credit["name"].strip(), where


def test_no_duplicate_numbered_openings_or_endings(snapshot):
    keys = Counter(
        (anime["mal_id"], song["relation"], song["sequence"])
        for anime, song in _songs(snapshot)
        if song["relation"] in {"opening", "ending"} and song["sequence"] is not None
    )
    assert [k for k, n in keys.items() if n > 1] == []


def test_no_duplicate_songs_within_an_anime(snapshot):
    keys = Counter(
        (anime["mal_id"], song["relation"], song["title"].casefold())
        for anime, song in _songs(snapshot)
    )
    assert [k for k, n in keys.items() if n > 1] == []


def test_links_are_youtube_searches_without_invented_ids(snapshot):
    for anime, song in _songs(snapshot):
        where = (anime["mal_id"], song["title"])
        assert len(song["links"]) == 1, where
        link = song["links"][0]
        assert link["platform"] == "youtube", where
        assert link["video_id"] is None, where
        assert link["views"] is None and link["likes"] is None and link["fetched_at"] is None, where
        parts = urlsplit(link["url"])
        assert (parts.scheme, parts.netloc, parts.path) == (
            "https",
            "www.youtube.com",
            "/results",
        ), where
        query = parse_qs(parts.query)["search_query"][0]
        assert song["title"] in query, where
        assert "watch?v=" not in link["url"] and "youtu.be" not in link["url"], where


def test_loader_names_the_malformed_file(tmp_path):
    (tmp_path / "anime_a.json").write_text('[{"mal_id": 1, "songs": []}]', encoding="utf-8")
    (tmp_path / "anime_b.json").write_text('[{"mal_id": 2,', encoding="utf-8")
    with pytest.raises(ValueError, match=r"anime_b\.json"):
        demo.load_snapshot(tmp_path)


def test_loader_concatenates_sorted_and_rejects_repeated_ids(tmp_path):
    (tmp_path / "anime_a.json").write_text('[{"mal_id": 9}, {"mal_id": 3}]', encoding="utf-8")
    (tmp_path / "anime_b.json").write_text('[{"mal_id": 5}]', encoding="utf-8")
    (tmp_path / "notes.json").write_text("not json", encoding="utf-8")  # not anime_*.json: ignored
    assert [r["mal_id"] for r in demo.load_snapshot(tmp_path)] == [3, 5, 9]
    (tmp_path / "anime_c.json").write_text('[{"mal_id": 5}]', encoding="utf-8")
    with pytest.raises(ValueError, match=r"anime_c\.json"):
        demo.load_snapshot(tmp_path)


def test_loader_rejects_a_non_list(tmp_path):
    (tmp_path / "anime_a.json").write_text('{"mal_id": 1}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"anime_a\.json"):
        demo.load_snapshot(tmp_path)
