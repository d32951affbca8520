"""Offline evaluation: metrics by hand, the split protocol, per-anime ranking, hybrid tuning."""

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from animusic_assets.core.evaluation import feedback_loop, ranking
from animusic_assets.core.evaluation import metrics as M
from animusic_assets.core.evaluation.hybrid_tuning import tune_hybrid
from animusic_assets.core.evaluation.split import (
    UserSplit,
    split_users,
    synthetic_user_lists,
    tuning_and_report_halves,
)
from animusic_serving.bundle_builder import BundleBuilder


def test_metrics_match_hand_computed_values():
    relevant = np.array([False, True, False, True])
    # DCG = 1/log2(3) + 1/log2(5); ideal with 2 relevant = 1 + 1/log2(3)
    expected = (1 / np.log2(3) + 1 / np.log2(5)) / (1 + 1 / np.log2(3))
    assert M.ndcg_at_k(relevant, n_relevant=2, k=4) == pytest.approx(expected)
    assert M.ndcg_at_k(relevant, n_relevant=0, k=4) == 0.0
    assert M.hit_at_k(relevant, 1) == 0.0 and M.hit_at_k(relevant, 2) == 1.0
    assert M.anime_recall_at_k(np.array([5, 6, 7]), np.array([6, 9]), k=3) == 0.5
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert M.intra_list_similarity(np.array([0, 1, 2]), vectors) == pytest.approx(1 / 3)
    assert M.popularity_ranks(np.array([0.2, 0.9, 0.5])).tolist() == [3, 1, 2]
    low, high = M.wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-3) and high == pytest.approx(0.7634, abs=1e-3)


def test_split_is_seeded_half_and_halves_are_disjoint():
    lists = pd.DataFrame(
        {
            "user_id": ["a"] * 6 + ["b"] * 3 + ["c"] * 8,
            "mal_id": [*range(1, 7), 1, 2, 3, *range(1, 9)],
            "rating": [9, 8, 10, 9, 8, 2] + [9, 9, 9] + [10] * 8,
        }
    )
    splits = split_users(lists, catalog_anime=np.arange(1, 9), min_liked=4)
    assert [s.user_id for s in splits] == ["a", "c"]  # b has too few liked anime
    a = splits[0]
    assert len(a.imported) == 2 and len(a.held_out) == 3  # rating 2 is not liked
    assert not set(a.imported) & set(a.held_out)
    again = split_users(lists, catalog_anime=np.arange(1, 9), min_liked=4)
    assert all((x.imported == y.imported).all() for x, y in zip(splits, again, strict=True))
    tuning, report = tuning_and_report_halves(splits)
    assert {s.user_id for s in tuning} | {s.user_id for s in report} == {"a", "c"}
    assert not {s.user_id for s in tuning} & {s.user_id for s in report}


def test_best_per_anime_keeps_one_song_per_anime_and_skips_excluded():
    scores = np.array([0.9, 0.8, 0.7, -np.inf, 0.5])
    anime = np.array([1, 1, 2, 3, 3])
    assert ranking.best_per_anime(scores, anime, k=5).tolist() == [0, 2, 4]


def _bundle(n_anime=12, per_anime=3, seed=0):
    """Anime 0..11; even anime share one TF-IDF term, odd anime another; popularity falls
    with the anime number."""
    rng = np.random.default_rng(seed)
    anime = np.repeat(np.arange(1, n_anime + 1), per_anime)
    n = len(anime)
    songs = pd.DataFrame(
        {
            "song_id": [f"s{i}" for i in range(n)],
            "anime_id": anime,
            "relation": "opening",
            "title": [f"t{i}" for i in range(n)],
            "anime_title": [f"a{a}" for a in anime],
            "franchise": [f"f{a}" for a in anime],
        }
    )
    b = BundleBuilder(songs)
    counts = np.zeros((n, 3))
    counts[:, 0] = anime % 2 == 0
    counts[:, 1] = anime % 2 == 1
    counts[:, 2] = rng.random(n) * 0.1
    b.add_tfidf(sp.csr_matrix(counts), {"even": 0, "odd": 1, "noise": 2}, np.ones(3))
    b.add_scores("popular", 1.0 - anime / (n_anime + 1) + rng.random(n) * 1e-3)
    b.add_model("random")
    return b


def test_ranking_rewards_the_model_that_finds_held_out_anime():
    bundle = _bundle().as_bundle()
    # users who like even anime: TF-IDF finds them from an even profile, popularity cannot
    users = [UserSplit(f"u{i}", np.array([2, 4]), np.array([6, 8, 10, 12])) for i in range(5)]
    table = ranking.evaluate_ranking(bundle, users, ["tfidf", "popular", "random"], k=3, recall_k=6)
    assert table.loc["tfidf", "HR@3"] == 1.0
    assert table.loc["tfidf", "NDCG@3"] > table.loc["popular", "NDCG@3"]
    assert table.loc["popular", "mean_pop_rank"] < table.loc["tfidf", "mean_pop_rank"]
    assert 0 < table.loc["random", "coverage"] <= 1


def test_tuning_finds_the_popularity_prior_when_users_like_popular_anime():
    bundle = _bundle().as_bundle()
    users = [UserSplit(f"u{i}", np.array([3, 9]), np.array([1, 2])) for i in range(4)]
    weights, trials = tune_hybrid(bundle, users, k=3)
    assert weights["popularity"] > 0
    assert len(trials) > 10 and max(t["NDCG@3"] for t in trials) == pytest.approx(1.0)


def test_feedback_loop_likes_only_held_out_anime_and_counts_exposures():
    b = _bundle()
    b.add_model("hybrid", kind="hybrid", params={"weights": {"tfidf": 1.0}})
    bundle = b.as_bundle()
    users = [UserSplit("u", np.array([2]), np.array([4, 6]))]
    events = feedback_loop.simulate(bundle, users, n_playlists=3)
    anime_of = dict(zip(bundle.songs["song_id"], bundle.songs["anime_id"], strict=True))
    assert len(events) == 3 * 4  # four models, three playlists
    assert set(events.groupby("model")["exposure"].max()) == {3}
    by = feedback_loop.like_rate_by_exposure(events)
    assert (by["users"] == 1).all()
    summary = feedback_loop.like_rate_summary(events)
    assert summary["like_rate"].between(0, 1).all()
    assert summary.loc["random", "ci95_low"] <= summary.loc["random", "like_rate"]
    held = events["song_id"].map(anime_of).isin([4, 6])
    assert (events["liked"] == held).all()
    assert events["song_id"].is_unique  # the skip set: nothing is shown twice


def test_synthetic_lists_give_users_a_taste():
    catalog = pd.DataFrame(
        {
            "anime_id": range(1, 41),
            "genres": [["A"] if i % 2 else ["B"] for i in range(40)],
            "studios": [["S"]] * 40,
        }
    )
    lists = synthetic_user_lists(catalog, n_users=20)
    assert lists["user_id"].nunique() >= 15
    assert set(lists["rating"]) <= {9.0, 6.0}


def test_best_per_anime_head_shortcut_matches_a_full_sort():
    rng = np.random.default_rng(1)
    for n_anime in (3, 50, 2000):  # few anime forces the full-sort fallback
        anime = rng.integers(0, n_anime, size=5000)
        scores = rng.random(5000)
        scores[rng.random(5000) < 0.1] = -np.inf
        order = np.argsort(-scores, kind="stable")
        order = order[np.isfinite(scores[order])]
        _, first = np.unique(anime[order], return_index=True)
        expected = order[np.sort(first)[:10]]
        assert ranking.best_per_anime(scores, anime, 10).tolist() == expected.tolist()


def test_html_report_has_answers_intervals_and_integers():
    from animusic_assets.core.evaluation import report_html

    b = _bundle()
    b.add_model("hybrid", kind="hybrid", params={"weights": {"tfidf": 1.0}})
    bundle = b.as_bundle()
    users = [UserSplit(f"u{i}", np.array([2, 4]), np.array([6, 8, 10, 12])) for i in range(8)]
    per_user: list[pd.DataFrame] = []
    models = ["tfidf", "hybrid", "popular", "random"]
    table = ranking.evaluate_ranking(bundle, users, models, k=3, recall_k=6, per_user=per_user)
    per_user_frame = pd.concat(per_user, ignore_index=True)
    assert len(per_user_frame) == len(models) * len(users)
    # the per-user values average to the table's
    assert per_user_frame.groupby("model")["NDCG@3"].mean()["tfidf"] == pytest.approx(
        table.loc["tfidf", "NDCG@3"]
    )
    events = feedback_loop.simulate(bundle, users[:5], n_playlists=3)
    report = report_html.build(
        table,
        per_user_frame,
        events,
        metric="NDCG@3",
        bundle_version="v1",
        source="test users",
        verdict_lines=["tfidf: better than random"],
        max_exposure=3,
        models_meta=bundle.manifest["models"],
    )
    assert report.origin.startswith("offline evaluation, not live listeners: 8 users' lists")
    assert report.answers[0].startswith("**Ranking:**") and "paired bootstrap" in report.answers[0]
    assert report.answers[1].startswith("**Feedback loop:**")
    beat = int(
        (
            table.loc[["tfidf", "hybrid"], "NDCG@3"]
            > table.loc[["popular", "random"], "NDCG@3"].max()
        ).sum()
    )
    assert report.answers[2].startswith(
        f"**Against the baselines:** {beat} of 2 models beat popular and random on NDCG@3 ("
    )
    page = report.html()
    assert "<strong>Ranking:</strong>" in page and "**" not in page
    md = report.markdown()
    assert re.search(
        r"\| tfidf \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| \d+ \|", md
    )  # rank: an integer
    assert "8 users' lists" in report.origin and "8.000" not in md
    assert page.count("data:image/png;base64,") == 2 and "<table>" in page
    assert "Tuned weights of this bundle" in page  # the hybrid's, from the manifest
    assert set(report.figures) == {"ranking", "like_rate_by_exposure"}  # the files beside it
