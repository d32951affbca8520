"""Scorers: dense and TF-IDF cosine to the profile mean, popular, random, hybrid."""

import numpy as np

from animusic_serving.recommend import scorers


def cosine_to(matrix, vector):
    matrix = np.asarray(matrix, dtype=np.float64)
    return matrix @ vector / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector))


def test_dense_score_ranks_like_cosine_to_the_mean_profile_vector(make_bundle):
    bundle = make_bundle(n_anime=6, models=("minilm",))
    profile = np.array([0, 5, 9])
    matrix = bundle.dense["minilm"]
    scores = scorers.score(bundle, "minilm", profile, rng=None)
    expected = cosine_to(matrix, np.asarray(matrix[profile], dtype=np.float64).mean(axis=0))
    np.testing.assert_array_equal(np.argsort(-scores), np.argsort(-expected))
    np.testing.assert_allclose(scores / scores.max(), expected / expected.max(), rtol=1e-5)


def test_tfidf_score_is_cosine_to_the_mean_of_the_profiles_normalised_rows(make_bundle):
    bundle = make_bundle(n_anime=6, models=("tfidf",))
    profile = np.array([1, 2, 14])
    dense = bundle.tfidf.toarray().astype(np.float64)
    rows = dense[profile] / np.linalg.norm(dense[profile], axis=1, keepdims=True)
    expected = cosine_to(dense, rows.mean(axis=0))
    scores = scorers.score(bundle, "tfidf", profile, rng=None)
    assert scores.shape == (bundle.n_songs,)
    np.testing.assert_array_equal(
        np.argsort(-scores, kind="stable"), np.argsort(-expected, kind="stable")
    )
    # the same up to the constant |mean|: exactly the ranking of the cosine
    np.testing.assert_allclose(scores / np.linalg.norm(rows.mean(axis=0)), expected, rtol=1e-5)


def test_popular_is_the_bundles_score_vector(make_bundle):
    popularity = np.linspace(0, 1, 20)[::-1]
    bundle = make_bundle(models=("popular",), popular=popularity)
    np.testing.assert_allclose(scorers.score(bundle, "popular", np.array([0]), None), popularity)


def test_random_is_uniform(make_bundle):
    bundle = make_bundle(models=("random",))
    rng = np.random.default_rng(0)
    picks = [
        int(np.argmax(scorers.score(bundle, "random", np.array([0]), rng))) for _ in range(4000)
    ]
    counts = np.bincount(picks, minlength=bundle.n_songs)
    assert counts.min() > 140 and counts.max() < 260  # 200 expected per song


def test_hybrid_with_one_similarity_model_ranks_like_it(make_bundle):
    bundle = make_bundle(models=("minilm", "hybrid"))
    profile = np.array([3, 4])
    hybrid = scorers.score(bundle, "hybrid", profile, None)
    minilm = scorers.score(bundle, "minilm", profile, None)
    np.testing.assert_array_equal(np.argsort(-hybrid), np.argsort(-minilm))


def test_similarity_models_without_a_profile_fall_back_to_popularity(make_bundle):
    bundle = make_bundle(models=("tfidf", "popular"))
    empty = np.empty(0, dtype=np.int64)
    np.testing.assert_allclose(
        scorers.score(bundle, "tfidf", empty, None), bundle.scores["popular"]
    )


def test_top_rows_is_exactly_the_top_k_on_large_arrays():
    from animusic_serving.recommend.scorers import top_rows

    rng = np.random.default_rng(3)
    for scores in (
        rng.random(200_000).astype(np.float32),
        np.sort(rng.normal(size=200_000)).astype(np.float32),  # sorted: a biased sample
        np.repeat(rng.random(2_000), 100).astype(np.float32),
    ):  # many ties
        got = top_rows(scores, 300)
        assert got.size == 300 and np.unique(got).size == 300
        kth = np.sort(scores)[-300]
        assert scores[got].min() == kth and (scores[got] >= kth).all()
    small = rng.random(500)
    assert set(top_rows(small, 10)) == set(np.argsort(-small)[:10])
