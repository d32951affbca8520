"""The anime picker's API: title search over romaji, English and Japanese titles (from the
bundle alone), and the user's list: add picked anime, show it, remove one."""

import numpy as np

from animusic_serving.bundle_builder import BundleBuilder
from tests.serving.conftest import synthetic_songs

TITLES = {  # MAL id: (romaji, English, Japanese)
    1: ("Cowboy Bebop", "Cowboy Bebop", "カウボーイビバップ"),
    5114: (
        "Fullmetal Alchemist: Brotherhood",
        "Fullmetal Alchemist: Brotherhood",
        "鋼の錬金術師 FULLMETAL ALCHEMIST",
    ),
    16498: ("Shingeki no Kyojin", "Attack on Titan", "進撃の巨人"),
    121: ("Fullmetal Alchemist", None, "鋼の錬金術師"),
}


def publish_titled(root):
    anime = [a for a in TITLES for _ in range(2)]
    songs = synthetic_songs(anime)
    songs["anime_title"] = [TITLES[a][0] for a in anime]
    songs["anime_title_english"] = [TITLES[a][1] for a in anime]
    songs["anime_title_japanese"] = [TITLES[a][2] for a in anime]
    builder = BundleBuilder(songs)
    # Brotherhood's songs are the most popular, the 2003 series' the least
    builder.add_scores("popular", np.array([0.5, 0.5, 0.9, 0.9, 0.6, 0.6, 0.1, 0.1]))
    builder.add_model("random")
    return builder.publish(root, catalog_hash="t", version="v1")


def test_search_matches_every_title_language(client_factory, tmp_path, db_session):
    publish_titled(tmp_path / "store")
    with client_factory(tmp_path / "store", session=db_session) as client:

        def ids(q):
            response = client.get("/anime/search", params={"q": q})
            assert response.status_code == 200, response.text
            return [item["anime_id"] for item in response.json()["items"]]

        assert ids("attack titan") == [16498]  # English
        assert ids("shingeki") == [16498]  # romaji
        assert ids("進撃") == [16498]  # Japanese
        assert ids("ＢＥＢＯＰ") == [1]  # full-width, any case
        assert ids("fullmetal") == [5114, 121]  # the more popular first
        assert ids("鋼の錬金術師 brotherhood") == [5114]  # every word must match
        assert ids("nothing like this") == []
        item = client.get("/anime/search", params={"q": "titan"}).json()["items"][0]
        assert item == {
            "anime_id": 16498,
            "title": "Shingeki no Kyojin",
            "title_english": "Attack on Titan",
            "title_japanese": "進撃の巨人",
            "songs": 2,
        }
        assert client.get("/anime/search", params={"q": ""}).status_code == 422


def test_pick_list_and_remove(client_factory, tmp_path, db_session):
    publish_titled(tmp_path / "store")
    with client_factory(tmp_path / "store", session=db_session) as client:
        user = {"anilist_username": "picker"}
        added = client.post("/anime_list", json={**user, "mal_ids": [16498, 1, 1, 999999]})
        assert added.status_code == 200, added.text
        assert added.json()["anime_count"] == 3
        again = client.post("/anime_list", json={**user, "mal_ids": [5114]}).json()
        assert again["anime_count"] == 4  # added to, not replaced
        listed = client.get("/anime_list", params=user).json()["items"]
        assert [(e["anime_id"], e["title"], e["in_catalog"]) for e in listed] == [
            (1, "Cowboy Bebop", True),
            (5114, "Fullmetal Alchemist: Brotherhood", True),
            (16498, "Shingeki no Kyojin", True),
            (999999, None, False),
        ]
        # the picked anime drive the cold start: their songs stand in, none is recommended
        items = client.get("/playlist", params=user).json()["items"]
        assert items and all(i["anime_id"] not in (1, 5114, 16498) for i in items)
        removed = client.delete("/anime_list/1", params=user)
        assert removed.status_code == 200 and removed.json()["anime_count"] == 3
        missing = client.delete("/anime_list/1", params=user)
        assert missing.status_code == 404 and "not on your list" in missing.text
        assert [e["anime_id"] for e in client.get("/anime_list", params=user).json()["items"]] == [
            5114,
            16498,
            999999,
        ]
        assert client.post("/anime_list", json={**user, "mal_ids": []}).status_code == 422
