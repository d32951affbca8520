"""The lists scorer: anime weights to song scores, the playlist slot, feedback adaptation,
the explanation, and the bundle round trip (dense and top-k)."""

import datetime as dt

import numpy as np
import pytest

from animusic_serving.bundle import BundleError, load_bundle
from animusic_serving.bundle_builder import BundleBuilder
from animusic_serving.recommend import FeedbackRow, build_profile, recommend
from animusic_serving.recommend.lists import (
    explain_lists_pick,
    lists_explanation,
    lists_scores,
    seed_indices,
    top_contributor,
)
from animusic_serving.recommend.scorers import hybrid_components, hybrid_scores, score
from tests.serving.conftest import synthetic_builder, synthetic_lists_weights

DAY = dt.date(2024, 1, 1)


def anime_of(bundle, row):
    return int(bundle.songs["anime_id"].iloc[row])


def test_the_imported_list_drives_the_scores_and_openings_break_ties(make_bundle):
    bundle = make_bundle(n_anime=6)  # weights: anime a -> a+1 is 1.0, the rest <= 0.05
    scores = lists_scores(bundle, np.empty(0, np.int64), seed_anime=np.array([2]))
    best = int(np.argmax(scores))
    assert anime_of(bundle, best) == 3
    assert bundle.songs["relation"].iloc[best] == "opening"
    rows_of_3 = np.flatnonzero(bundle.songs["anime_id"].to_numpy() == 3)
    assert scores[rows_of_3].min() > np.delete(scores, rows_of_3).max()  # anime order kept
    # the listed anime itself is for the other slots: its songs rank below every known anime
    rows_of_2 = np.flatnonzero(bundle.songs["anime_id"].to_numpy() == 2)
    assert scores[rows_of_2].max() < np.delete(scores, rows_of_2).min()
    # through score(): seeds come from the profile's rows (anime 4, liked) and the list
    via_score = score(bundle, "lists", np.array([12]), None, seed_anime=np.array([2]))
    assert {anime_of(bundle, r) for r in np.argsort(-via_score)[:8]} == {3, 5}


def test_users_the_model_cannot_place_get_the_popular_order(make_bundle):
    bundle = make_bundle(n_anime=4)
    scores = lists_scores(bundle, np.empty(0, np.int64), seed_anime=np.array([99]))
    np.testing.assert_allclose(scores, bundle.scores["popular"])


def test_a_playlist_has_a_lists_item_that_adapts_to_feedback(make_bundle):
    bundle = make_bundle(n_anime=8)
    items = recommend(
        bundle,
        [],
        anime_list=[1],
        username="ann",
        day=DAY,
        rng=np.random.default_rng(0),
        models=["lists"],
    )
    assert [i.recommended_by for i in items] == ["lists"]
    assert anime_of(bundle, items[0].row) == 2  # listeners of 1 liked 2
    # the listener skips anime 2's songs and likes a song of anime 5: now 6 comes first
    songs = bundle.songs
    feedback = [
        FeedbackRow(s, watch_time=1, total_video_time=100)
        for s in songs.loc[songs["anime_id"] == 2, "song_id"]
    ]
    feedback.append(FeedbackRow(songs.loc[songs["anime_id"] == 5, "song_id"].iloc[0], liked=True))
    items = recommend(
        bundle,
        feedback,
        anime_list=[1],
        username="ann",
        day=DAY,
        rng=np.random.default_rng(0),
        models=["lists"],
    )
    assert anime_of(bundle, items[0].row) == 6


def test_the_explanation_names_the_anime_that_contributed_most(make_bundle):
    bundle = make_bundle(n_anime=6)
    scores = lists_scores(bundle, np.empty(0, np.int64), seed_anime=np.array([1, 4]))
    row = int(np.argmax(scores))
    contributor = top_contributor(bundle, row, np.empty(0, np.int64), seed_anime=np.array([1, 4]))
    assert contributor == (anime_of(bundle, row) - 1, f"Anime {anime_of(bundle, row) - 1}")
    assert (
        lists_explanation(contributor[1]) == f"listeners who liked {contributor[1]} also liked this"
    )
    assert top_contributor(bundle, row, np.empty(0, np.int64), seed_anime=np.array([99])) is None
    profile = build_profile(
        [],
        bundle.row_of,
        bundle.songs["anime_id"].to_numpy(),
        anime_list=[1, 4],
        username="ann",
        day=DAY,
    )
    assert explain_lists_pick(bundle, profile, row) == (
        contributor[0],
        contributor[1],
        lists_explanation(contributor[1]),
    )


def test_lists_is_a_hybrid_component(make_bundle):
    bundle = make_bundle(n_anime=6)
    rows = np.flatnonzero(bundle.songs["anime_id"].to_numpy() == 1)
    only_lists = hybrid_scores(bundle, rows, {"lists": 1.0}, seed_anime=np.array([1]))
    assert (
        anime_of(
            bundle,
            int(
                np.argmax(np.where(np.isin(np.arange(len(only_lists)), rows), -np.inf, only_lists))
            ),
        )
        == 2
    )


def test_dense_and_top_k_bundles_round_trip_and_score_alike(tmp_path):
    weights = synthetic_lists_weights(6, np.random.default_rng(1))
    dense = load_bundle(
        tmp_path / "a",
        synthetic_builder(n_anime=6).publish(tmp_path / "a", catalog_hash="x"),
        verify=True,
    )
    np.testing.assert_array_equal(dense.anime_models["lists"]["anime_ids"], np.arange(1, 7))
    meta = dense.manifest["models"]["lists"]
    assert meta["kind"] == "anime_weights" and meta["params"]["storage"] == "dense"
    assert set(meta["files"]) <= set(dense.manifest["checksums"])
    assert dense.anime_models["lists"]["weights"].dtype == np.float32

    builder = synthetic_builder(n_anime=6, models=("popular",))
    k = 3
    order = np.argsort(-weights, axis=1)[:, :k]
    builder.add_anime_model(
        "lists", np.arange(1, 7), knn=(order, np.take_along_axis(weights, order, axis=1))
    )
    top_k = load_bundle(
        tmp_path / "b", builder.publish(tmp_path / "b", catalog_hash="x"), verify=True
    )
    assert top_k.anime_models["lists"]["knn_rows"].shape == (6, k)
    seeds = np.array([1, 3])
    assert seed_indices(top_k, np.empty(0, np.int64), seeds).tolist() == [0, 2]

    def best_two(bundle):
        ranked = np.argsort(-lists_scores(bundle, np.empty(0, np.int64), seed_anime=seeds))
        anime = [anime_of(bundle, r) for r in ranked if anime_of(bundle, r) not in (1, 3)]
        return set(list(dict.fromkeys(anime))[:2])

    assert best_two(top_k) == best_two(dense) == {2, 4}  # the "sequels" of 1 and 3


def test_bad_lists_arrays_are_refused():
    builder = synthetic_builder(n_anime=3, models=("popular",))
    with pytest.raises(BundleError):
        builder.add_anime_model("lists", np.array([1, 2, 3]), weights=np.full((3, 3), np.nan))
    with pytest.raises(BundleError):
        builder.add_anime_model("lists", np.array([1, 1, 2]), weights=np.zeros((3, 3)))
    with pytest.raises(BundleError):
        builder.add_anime_model(
            "lists", np.array([1, 2, 3]), knn=(np.array([[5], [0], [1]]), np.ones((3, 1)))
        )
    assert isinstance(builder, BundleBuilder)


def test_the_franchise_component_counts_the_imported_lists_franchises(make_bundle):
    bundle = make_bundle(n_anime=4)
    bundle.songs["franchise"] = ["a" if a in (1, 2) else f"f{a}" for a in bundle.songs["anime_id"]]
    rows = np.flatnonzero(bundle.songs["anime_id"].to_numpy() == 3)  # a liked song of anime 3
    parts = hybrid_components(bundle, rows[:1], ["franchise"], seed_anime=np.array([1]))
    kin = bundle.songs["franchise"].isin(["a", "f3"]).to_numpy()
    np.testing.assert_array_equal(parts["franchise"], kin.astype(np.float32))
    without = hybrid_components(bundle, rows[:1], ["franchise"])
    np.testing.assert_array_equal(
        without["franchise"], (bundle.songs["franchise"] == "f3").to_numpy().astype(np.float32)
    )


def test_a_lists_item_says_which_listed_anime_it_comes_from(make_bundle):
    from animusic_serving.recommend import plan_playlist
    from animusic_serving.recommend.explain import explain_playlist

    bundle = make_bundle(n_anime=6)
    planned = plan_playlist(
        bundle,
        [],
        [3],
        username="ann",
        day=DAY,
        rng=np.random.default_rng(0),
        models=["lists", "hybrid"],
    )
    why = explain_playlist(bundle, planned.profile, planned.items, planned.cache)
    lists_item = next(i for i, item in enumerate(planned.items) if item.recommended_by == "lists")
    assert anime_of(bundle, planned.items[lists_item].row) == 4
    assert why[lists_item].text == "listeners who liked Anime 3 also liked this"
