"""Explanations: the nearest profile song under the model that picked, the baselines, the
hybrid's top components; and through GET /playlist with the links a client may play."""

import json

import numpy as np

from animusic_serving.bundle import load_bundle
from animusic_serving.bundle_builder import BundleBuilder
from animusic_serving.recommend import PlaylistItem, Profile
from animusic_serving.recommend.explain import (
    EXPLAINERS,
    ExplainContext,
    Explanation,
    explain,
    explain_playlist,
    hybrid_contributions,
    nearest_profile_row,
)
from tests.serving.conftest import synthetic_builder, synthetic_songs


def profile(rows, cold_start=None):
    rows = np.asarray(rows, dtype=np.int64)
    return Profile(
        rows, rows, np.empty(0, np.int64), rows if cold_start else np.empty(0, np.int64), cold_start
    )


def axis_bundle(tmp_path):
    """20 songs of 5 anime (4 each). minilm: a song's vector is its anime's axis, so the
    nearest profile song is the one of the same anime; mpnet: the reverse order of anime."""
    eye = np.eye(8)
    anime = np.repeat(np.arange(5), 4)
    dense = {
        "minilm": eye[anime] + 0.01 * np.arange(20)[:, None],
        "mpnet": eye[4 - anime] + 0.01 * np.arange(20)[:, None],
    }
    root = tmp_path / "axis"
    synthetic_builder(dense=dense).publish(root, catalog_hash="t", version="v1")
    return load_bundle(root)


def test_nearest_model_names_the_profile_song_nearest_under_that_model(tmp_path):
    bundle = axis_bundle(tmp_path)
    liked = profile([1, 9])  # Song 1 (Anime 1), Song 9 (Anime 3)
    why = explain(ExplainContext(bundle, liked, PlaylistItem(10, "s10", "minilm", 0)))
    assert why == Explanation("because you liked “Song 9” (Anime 3)", "s9")
    # song 2 (anime 1): under minilm Song 1 is nearest; under mpnet too (4 - 0 == 4 - 0)
    assert (
        explain(ExplainContext(bundle, liked, PlaylistItem(2, "s2", "minilm", 0))).because_song_id
        == "s1"
    )
    # the cold start names the anime on the list
    seeds = profile([1, 9], cold_start="anime_list")
    text = explain(ExplainContext(bundle, seeds, PlaylistItem(10, "s10", "mpnet", 0))).text
    assert text == "because Anime 3 is on your list (close to “Song 9”)"


def test_baselines_and_unknown_models(tmp_path):
    bundle = axis_bundle(tmp_path)
    p = profile([1])
    assert explain(ExplainContext(bundle, p, PlaylistItem(3, "s3", "popular", 0))).text.startswith(
        "popular"
    )
    random_pick = explain(ExplainContext(bundle, p, PlaylistItem(3, "s3", "random", 0)))
    assert random_pick.text.startswith("random pick") and random_pick.because_song_id is None
    assert explain(
        ExplainContext(bundle, p, PlaylistItem(3, "s3", "a_new_model", 0))
    ) == Explanation("picked by a_new_model")
    assert set(EXPLAINERS) >= {
        "tfidf",
        "minilm",
        "mpnet",
        "node2vec",
        "lists",
        "popular",
        "random",
        "hybrid",
    }


def test_hybrid_names_its_largest_components(tmp_path):
    bundle = axis_bundle(tmp_path)
    p = profile([1, 9])
    parts = hybrid_contributions(bundle, p, 10)
    assert parts == sorted(parts, key=lambda x: -x[1]) and len(parts) >= 3
    why = explain_playlist(bundle, p, [PlaylistItem(10, "s10", "hybrid", 0)])[0]
    assert why.text.startswith("hybrid: ") and "because you liked" in why.text
    assert why.because_song_id in {"s1", "s9"}


def test_playlist_items_say_why_and_leave_nsfw_links_out(client_factory, tmp_path, db_session):
    songs = synthetic_songs([a + 1 for a in range(5) for _ in range(4)])
    songs["links"] = [
        json.dumps(
            [
                {
                    "platform": "animethemes",
                    "url": f"https://v.animethemes.moe/S{i}-OP1.webm",
                    "audio_url": f"https://a.animethemes.moe/S{i}-OP1.ogg",
                    "video_id": None,
                    "episodes": 12,
                    "nsfw": i % 2 == 1,
                    "spoiler": "false",
                },
                {
                    "platform": "youtube",
                    "url": "https://www.youtube.com/results?search_query=x",
                    "video_id": None,
                },
            ]
        )
        for i in range(len(songs))
    ]
    root = tmp_path / "store"
    builder = BundleBuilder(songs)
    anime = songs["anime_id"].to_numpy() - 1
    builder.add_dense("minilm", np.eye(8)[anime] + 0.05 * np.random.default_rng(0).random((20, 8)))
    builder.add_scores("popular", np.linspace(1, 0, len(songs)))
    builder.add_model("random")
    builder.publish(root, catalog_hash="t", version="v1")
    with client_factory(root, session=db_session) as client:
        assert (
            client.post(
                "/feedback",
                json={
                    "anilist_username": "why",
                    "song_id": "s0",
                    "recommended_by": "popular",
                    "watch_time": 0,
                    "total_video_time": 0,
                    "liked": True,
                },
            ).status_code
            == 200
        )
        body = client.get("/playlist", params={"anilist_username": "why"}).json()
        for item in body["items"]:
            assert item["explanation"], item
            platforms = [link["platform"] for link in item["links"]]
            row = int(item["song_id"][1:])
            assert platforms == (["youtube"] if row % 2 else ["animethemes", "youtube"])
            if row % 2 == 0:
                link = item["links"][0]
                assert (link["episodes"], link["nsfw"], link["spoiler"]) == ("12", False, False)
                assert link["audio_url"].endswith(".ogg")
        nsfw = client.get(
            "/playlist", params={"anilist_username": "why2", "allow_nsfw": "true"}
        ).json()
        assert all(len(item["links"]) == 2 for item in nsfw["items"])


def test_neighbour_lists_name_the_same_song_as_the_cosine(tmp_path):
    """With the publisher's neighbour lists the nearest profile song is read off the picked
    song's list; it must be the one the direct cosine finds."""
    rng = np.random.default_rng(3)
    songs = synthetic_songs([a + 1 for a in range(6) for _ in range(5)])
    vectors = rng.normal(size=(30, 8))
    with_lists, without = tmp_path / "lists", tmp_path / "plain"
    for root, k in ((with_lists, 6), (without, 0)):
        builder = BundleBuilder(songs)
        builder.add_dense("minilm", vectors, neighbours=k)
        builder.add_model("random")
        builder.publish(root, catalog_hash="t", version="v1")
    fast, slow = load_bundle(with_lists), load_bundle(without)
    assert fast.neighbours and not slow.neighbours
    profile_rows = np.array([2, 11, 17, 25])
    listed = 0
    for row in sorted(set(range(30)) - set(profile_rows)):
        near = nearest_profile_row(fast, "minilm", profile_rows, row)
        assert near == nearest_profile_row(slow, "minilm", profile_rows, row), row
        listed += bool(np.isin(fast.neighbours["minilm"][0][row], profile_rows).any())
    assert 0 < listed < 26  # both paths ran: some rows list a profile song, some do not
