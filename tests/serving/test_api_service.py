"""The playlist's record (impressions, seeded model order), its knobs, unlike, song radio,
search and /models through the HTTP API (real PostgreSQL)."""

import numpy as np
from sqlalchemy import text

from animusic_serving.recommend import popular_artist_mask, recommend, shuffled_models


def test_playlist_is_recorded_with_its_order_seed_and_impressions(client, db_session):
    body = client.get("/playlist", params={"anilist_username": "imp"}).json()
    order = body["model_order"]
    assert sorted(order) == sorted({i["recommended_by"] for i in body["items"]})
    assert [i["recommended_by"] for i in body["items"]] == order  # slots follow the order
    row = db_session.execute(
        text(
            "SELECT p.model_order, p.seed, p.bundle_version, u.username FROM playlists p "
            "JOIN users u ON u.id = p.user_id WHERE p.id = :id"
        ),
        {"id": body["playlist_id"]},
    ).one()
    assert (row.model_order, row.bundle_version, row.username) == (order, "v1", "imp")
    shown = db_session.execute(
        text(
            "SELECT song_id, position, recommended_by FROM impressions WHERE playlist_id = :id "
            "ORDER BY position"
        ),
        {"id": body["playlist_id"]},
    ).all()
    assert [tuple(r) for r in shown] == [
        (i["song_id"], i["position"], i["recommended_by"]) for i in body["items"]
    ]


def test_recorded_seed_replays_the_playlist(client, db_session, bundle_root):
    from animusic_serving.bundle import load_bundle

    body = client.get("/playlist", params={"anilist_username": "replay"}).json()
    seed = db_session.execute(
        text("SELECT seed FROM playlists WHERE id = :id"), {"id": body["playlist_id"]}
    ).scalar_one()
    bundle = load_bundle(bundle_root)
    rng = np.random.default_rng(seed)
    order = shuffled_models(bundle, rng)
    items = recommend(
        bundle, [], [], username="replay", rng=rng, models=order, shuffle_models=False
    )
    assert order == body["model_order"]
    assert [i.song_id for i in items] == [i["song_id"] for i in body["items"]]


def test_model_order_is_shuffled_across_playlists(client):
    firsts = {
        client.get("/playlist", params={"anilist_username": "shuf"}).json()["model_order"][0]
        for _ in range(25)
    }
    assert len(firsts) >= 3


def test_relations_knob_gives_openings_only(client):
    for _ in range(3):
        body = client.get(
            "/playlist", params={"anilist_username": "op", "relations": ["opening"]}
        ).json()
        assert body["items"] and {i["relation"] for i in body["items"]} == {"opening"}
    assert (
        client.get(
            "/playlist", params={"anilist_username": "op", "relations": ["nonsense"]}
        ).status_code
        == 422
    )


def test_exclude_popular_artists_knob(client, bundle_root):
    from animusic_serving.bundle import load_bundle

    bundle = load_bundle(bundle_root)
    popular_rows = set(np.flatnonzero(popular_artist_mask(bundle)).tolist())
    assert popular_rows and len(popular_rows) < bundle.n_songs
    for _ in range(3):
        items = client.get(
            "/playlist", params={"anilist_username": "indie", "exclude_popular_artists": True}
        ).json()["items"]
        rows = {bundle.row_of(i["song_id"]) for i in items}
        assert items and not rows & popular_rows


def test_feedback_with_playlist_context_and_unlike(client, db_session):
    body = client.get("/playlist", params={"anilist_username": "carl"}).json()
    item = body["items"][0]
    report = {
        "anilist_username": "carl",
        "song_id": item["song_id"],
        "recommended_by": item["recommended_by"],
        "watch_time": 5.0,
        "total_video_time": 100.0,
        "liked": True,
        "playlist_id": body["playlist_id"],
        "position": item["position"],
    }
    assert client.post("/feedback", json=report).status_code == 200
    stored = db_session.execute(
        text(
            "SELECT f.playlist_id::text, f.position, f.liked FROM feedback f JOIN users u "
            "ON u.id = f.user_id WHERE u.username = 'carl'"
        )
    ).one()
    assert tuple(stored) == (body["playlist_id"], item["position"], True)
    # a like is sticky across reports, and only DELETE .../like removes it
    again = client.post("/feedback", json={**report, "liked": False}).json()
    assert again["liked"] is True
    gone = client.delete(f"/feedback/{item['song_id']}/like", params={"anilist_username": "carl"})
    assert gone.status_code == 200 and gone.json()["liked"] is False
    assert gone.json()["watch_time"] == 5.0
    assert (
        client.delete("/feedback/s0/like", params={"anilist_username": "carl"}).status_code == 404
    )


def test_song_radio(client):
    body = client.get("/songs/s0/similar", params={"model": "minilm", "k": 3}).json()
    items = body["items"]
    assert len(items) == 3 and all(i["recommended_by"] == "minilm" for i in items)
    assert "s0" not in {i["song_id"] for i in items}
    assert len({i["anime_id"] for i in items}) == 3 and 1 not in {i["anime_id"] for i in items}
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    assert client.get("/songs/s0/similar").json()["items"][0]["recommended_by"] == "hybrid"
    assert client.get("/songs/nope/similar").status_code == 404
    assert client.get("/songs/s0/similar", params={"model": "gpt"}).status_code == 404
    assert client.get("/songs/s0/similar", params={"k": 0}).status_code == 422


def test_search(client):
    items = client.get("/songs/search", params={"q": "song 1"}).json()["items"]
    assert items[0]["song_id"] == "s1"  # exact title first
    assert all("1" in f"{i['title']} {i['anime_title']} {i['artists']}" for i in items)
    items = client.get("/songs/search", params={"q": "ANIME 2  artist 0"}).json()["items"]
    assert "s6" in {i["song_id"] for i in items}  # Song 6 of Anime 2 by Artist 0
    assert all(
        "Artist 0" in i["artists"] and "2" in f"{i['title']} {i['anime_title']}" for i in items
    )  # every word matches somewhere
    assert client.get("/songs/search", params={"q": "zzz"}).json()["items"] == []
    assert client.get("/songs/search", params={"q": ""}).status_code == 422


def test_models(client):
    body = client.get("/models").json()
    assert body["bundle_version"] == "v1" and body["n_songs"] == 20
    by_name = {m["name"]: m for m in body["models"]}
    assert set(by_name) == {
        "tfidf",
        "minilm",
        "mpnet",
        "node2vec",
        "lists",
        "popular",
        "random",
        "hybrid",
    }
    assert by_name["minilm"]["dim"] == 8 and by_name["minilm"]["in_playlist"]
