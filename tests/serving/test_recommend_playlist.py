"""Playlist assembly: exclusions, their relaxation order, one item per model and per anime."""

import datetime as dt
from typing import Any

import numpy as np

from animusic_serving.recommend import (
    PLAYLIST_MODELS,
    FeedbackRow,
    Profile,
    build_playlist,
    build_profile,
    candidate_mask,
    playlist_models,
    recommend,
)


def make_profile(positive=(), skip=(), blacklist=(), seeds=()):
    arr = lambda x: np.asarray(x, dtype=np.int64)  # noqa: E731
    return Profile(arr(positive) if positive else arr(seeds), arr(skip), arr(blacklist), arr(seeds))


def anime_of(bundle, items):
    return [int(bundle.songs["anime_id"].iloc[item.row]) for item in items]


def test_every_model_in_the_bundle_contributes_one_labelled_item(make_bundle):
    bundle = make_bundle(n_anime=10)
    assert playlist_models(bundle) == list(PLAYLIST_MODELS)
    items = build_playlist(bundle, make_profile(positive=[0]), rng=np.random.default_rng(0))
    assert [i.recommended_by for i in items] == list(PLAYLIST_MODELS)
    assert [i.position for i in items] == list(range(len(PLAYLIST_MODELS)))
    assert all(i.song_id == bundle.songs["song_id"].iloc[i.row] for i in items)
    assert len({i.row for i in items}) == len(items)
    assert len(set(anime_of(bundle, items))) == len(items)  # one per anime


def test_only_models_in_the_manifest_are_used(make_bundle):
    bundle = make_bundle(models=("tfidf", "popular"))
    items = build_playlist(bundle, make_profile(positive=[0]))
    assert [i.recommended_by for i in items] == ["tfidf", "popular"]


def test_models_pick_their_own_best_candidate(make_bundle):
    popularity = np.arange(20, dtype=float)  # row 19 is the most popular
    bundle = make_bundle(models=("minilm", "popular"), popular=popularity)
    items = build_playlist(bundle, make_profile(positive=[0, 1]))
    by_model = {i.recommended_by: i for i in items}
    assert by_model["popular"].row == 19
    # the nearest song to anime 1's songs is anime 1's unseen song
    assert anime_of(bundle, [by_model["minilm"]]) == [1]


def test_skip_set_blacklist_and_seeds_are_never_recommended(make_bundle):
    bundle = make_bundle(n_anime=6)
    profile = make_profile(positive=[0], skip=[0, 1, 4, 5], blacklist=[3], seeds=[20, 21])
    for seed in range(5):
        items = build_playlist(bundle, profile, rng=np.random.default_rng(seed))
        rows = {i.row for i in items}
        assert not rows & {0, 1, 4, 5, 20, 21}
        assert 3 not in anime_of(bundle, items)


def test_relaxation_drops_the_blacklist_first_then_the_skip_set(make_bundle):
    bundle = make_bundle(n_anime=2, songs_per_anime=2)  # rows 0,1 anime 1; rows 2,3 anime 2
    anime_ids = bundle.songs["anime_id"].to_numpy()
    # unskipped songs are all blacklisted: the blacklist goes, the skip set stays
    p = make_profile(positive=[0], skip=[0, 1], blacklist=[2])
    assert np.flatnonzero(candidate_mask(anime_ids, p)).tolist() == [2, 3]
    # every song skipped: the skip set goes too, seeds stay excluded
    p = make_profile(skip=[0, 1, 2, 3], blacklist=[1, 2], seeds=[0])
    assert np.flatnonzero(candidate_mask(anime_ids, p)).tolist() == [1, 2, 3]
    items = build_playlist(bundle, make_profile(positive=[0], skip=[0, 1, 2, 3], blacklist=[1]))
    assert items and all(i.row in range(4) for i in items)


def test_one_song_per_anime_is_relaxed_only_when_nothing_else_is_left(make_bundle):
    bundle = make_bundle(n_anime=2, songs_per_anime=5, models=("tfidf", "minilm", "popular"))
    items = build_playlist(bundle, make_profile(positive=[0]))
    assert len(items) == 3 and len({i.row for i in items}) == 3
    assert sorted(set(anime_of(bundle, items))) == [1, 2]  # both anime before any repeat


def test_cold_start_seeds_are_excluded_and_the_playlist_is_stable_for_the_day(make_bundle):
    bundle = make_bundle(n_anime=8)
    day = dt.date(2024, 5, 1)
    profile = build_profile(
        [],
        bundle.row_of,
        bundle.songs["anime_id"].to_numpy(),
        anime_list=[1, 2],
        username="ann",
        day=day,
    )
    assert profile.cold_start == "anime_list" and len(profile.seed_rows) == 8  # all 8 songs
    kwargs: dict[str, Any] = dict(
        username="ann", day=day, models=["tfidf", "minilm", "mpnet", "popular"]
    )
    first = recommend(bundle, [], [1, 2], rng=np.random.default_rng(1), **kwargs)
    assert not {i.row for i in first} & set(profile.seed_rows.tolist())
    again = recommend(bundle, [], [1, 2], rng=np.random.default_rng(1), **kwargs)
    assert first == again


def test_recommend_uses_positives_and_labels_every_item(make_bundle):
    bundle = make_bundle(n_anime=10)
    feedback = [
        FeedbackRow("s0", liked=True),
        FeedbackRow("s4", watch_time=1, total_video_time=100),
    ]
    items = recommend(bundle, feedback, rng=np.random.default_rng(3))
    assert sorted(i.recommended_by for i in items) == sorted(PLAYLIST_MODELS)
    assert not {i.song_id for i in items} & {"s0", "s4"}
