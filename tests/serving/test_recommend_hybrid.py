"""The hybrid model: similarity + log-popularity prior + franchise affinity."""

import numpy as np

from animusic_serving.recommend import scorers


def test_hybrid_popularity_weight_alone_ranks_like_popular(make_bundle):
    bundle = make_bundle(models=("tfidf", "popular", "hybrid"))
    weights = {"popularity": 1.0}
    hybrid = scorers.hybrid_scores(bundle, np.array([0]), weights)
    np.testing.assert_array_equal(
        np.argsort(-hybrid, kind="stable"), np.argsort(-bundle.scores["popular"], kind="stable")
    )


def test_hybrid_franchise_affinity_lifts_songs_of_the_profiles_franchise(tmp_path):
    from animusic_serving.bundle import load_bundle
    from tests.serving.conftest import synthetic_builder

    builder = synthetic_builder(models=("tfidf", "popular", "hybrid"))
    # anime 1 and 2 are seasons of one franchise; the profile is a song of anime 1
    builder.songs["franchise"] = (
        builder.songs["anime_id"]
        .map({1: "aot", 2: "aot"})
        .fillna(builder.songs["anime_id"].astype(str))
    )
    bundle = load_bundle(tmp_path, builder.publish(tmp_path, "h"))
    only_franchise = scorers.hybrid_scores(bundle, np.array([0]), {"franchise": 1.0})
    anime = bundle.songs["anime_id"].to_numpy()
    assert set(anime[only_franchise == 1.0]) == {1, 2}
    assert (only_franchise[~np.isin(anime, [1, 2])] == 0).all()
    mixed = scorers.hybrid_scores(bundle, np.array([0]), {"tfidf": 1.0, "franchise": 10.0})
    top = np.argsort(-mixed)[:8]
    assert set(anime[top]) == {1, 2}


def test_zero_weights_are_ignored_and_priors_are_cached(make_bundle):
    bundle = make_bundle(models=("tfidf", "popular", "hybrid"))
    a = scorers.hybrid_scores(bundle, np.array([1]), {"tfidf": 1.0, "popularity": 0.0})
    b = scorers.score(bundle, "tfidf", np.array([1]), None)
    np.testing.assert_array_equal(np.argsort(-a), np.argsort(-b))
    scorers.hybrid_scores(bundle, np.array([1]), {"popularity": 1.0})
    assert "log_popularity_prior" in bundle._derived


def test_nearest_profile_query_scores_by_the_closest_profile_song():
    from animusic_serving.recommend.scorers import dense_scores

    matrix = np.array(
        [[1, 0, 0], [0, 1, 0], [0.7, 0.7, 0], [0.9, 0.1, 0], [0, 0, 1]], dtype=np.float32
    )
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    profile = np.array([0, 1])
    nearest = dense_scores(matrix, profile, "nearest")
    np.testing.assert_allclose(nearest, np.max(matrix @ matrix[profile].T, axis=1), rtol=1e-6)
    mean = dense_scores(matrix, profile, "mean")
    # the mean of two orthogonal tastes favours the song between them; nearest favours the
    # song that is close to one of them
    assert np.argmax(np.where([0, 0, 1, 1, 1], mean, -1)) == 2
    assert np.argmax(np.where([0, 0, 1, 1, 1], nearest, -1)) == 3


def test_nearest_caps_the_profile_and_shortlists_large_catalogues(monkeypatch):
    from animusic_serving.recommend import scorers

    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(1000, 8)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    monkeypatch.setattr(scorers, "NEAREST_MAX_PROFILE", 10)
    profile = np.arange(0, 100)
    kept = profile[np.linspace(0, 99, 10).astype(int)]
    exact = (matrix @ matrix[kept].T).max(axis=1)
    np.testing.assert_allclose(
        scorers.nearest_profile_scores(matrix, profile, shortlist=5000), exact, rtol=1e-5
    )
    short = scorers.nearest_profile_scores(matrix, profile, shortlist=200)
    listed = np.argsort(-(matrix @ matrix[kept].mean(axis=0)))[:200]
    np.testing.assert_allclose(short[listed], exact[listed], rtol=1e-5)
    tail = np.setdiff1d(np.arange(1000), listed)
    assert short[tail].max() < short[listed].min()  # the shortlist always ranks first
