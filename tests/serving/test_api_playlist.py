"""GET /playlist and POST /upload_anilist_profile through the HTTP API (real PostgreSQL)."""

import uuid

from animusic_serving.recommend import PLAYLIST_MODELS


def test_unknown_user_gets_a_cold_start_playlist(client):
    response = client.get("/playlist", params={"anilist_username": "nobody-yet"})
    assert response.status_code == 200, response.text
    body = response.json()
    uuid.UUID(body["playlist_id"])
    assert body["bundle_version"] == "v1"
    assert sorted(item["recommended_by"] for item in body["items"]) == sorted(PLAYLIST_MODELS)
    item = body["items"][0]
    assert set(item) == {
        "song_id",
        "title",
        "anime_id",
        "anime_title",
        "relation",
        "artists",
        "links",
        "recommended_by",
        "position",
        "explanation",
        "because_song_id",
    }
    assert all(i["explanation"] for i in body["items"])
    assert item["links"][0]["platform"] == "youtube" and item["artists"]
    assert [i["position"] for i in body["items"]] == list(range(len(body["items"])))


def test_upload_then_playlist_excludes_the_seeds_and_nothing_else(
    client_factory, tmp_path, publish, db_session
):
    # anime 1 (rows 0-3) is on the list: its 4 songs are all seeds (K=20) and the most
    # popular songs; next comes row 19: `popular` must pick it, so seeds are excluded and
    # nothing else is
    root = tmp_path / "store"
    publish(root, version="v1", models=("popular",), popular=[1.0] * 4 + [0.0] * 15 + [0.5])
    with client_factory(root, session=db_session) as client:
        upload = client.post(
            "/upload_anilist_profile", json={"anilist_username": "ann", "mal_ids": [1, 1, 999]}
        )
        assert upload.status_code == 200, upload.text
        assert upload.json() == {"anilist_username": "ann", "anime_count": 2, "source": "upload"}
        items = client.get("/playlist", params={"anilist_username": "ann"}).json()["items"]
    assert [(i["song_id"], i["recommended_by"]) for i in items] == [("s19", "popular")]


def test_feedback_then_playlist_skips_the_seen_songs(client):
    for song in ("s0", "s5", "s9"):
        response = client.post(
            "/feedback",
            json={
                "anilist_username": "bob",
                "song_id": song,
                "recommended_by": "tfidf",
                "watch_time": 100,
                "total_video_time": 120,
                "liked": song == "s0",
            },
        )
        assert response.status_code == 200, response.text
    for _ in range(3):
        items = client.get("/playlist", params={"anilist_username": "bob"}).json()["items"]
        assert not {i["song_id"] for i in items} & {"s0", "s5", "s9"}


def test_invalid_usernames_and_lists_are_422(client):
    assert client.get("/playlist", params={"anilist_username": ""}).status_code == 422
    assert client.get("/playlist").status_code == 401  # names no user and has no token
    response = client.post(
        "/upload_anilist_profile", json={"anilist_username": "ann", "mal_ids": [-3]}
    )
    assert response.status_code == 422
