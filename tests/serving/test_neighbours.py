"""Neighbour lists: built exactly, stored in the bundle, and scoring like the direct query."""

import numpy as np
import pandas as pd
import pytest

from animusic_serving import bundle as B
from animusic_serving.recommend import neighbours as N
from animusic_serving.recommend.scorers import nearest_profile_scores, score


def _unit(n, d, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n // 5 + 1, d))
    m = centres[np.arange(n) // 5] + 0.4 * rng.normal(size=(n, d))
    return (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)


def test_top_neighbours_match_a_full_sort(monkeypatch):
    monkeypatch.setattr(N, "BLOCK_ROWS", 7)  # several blocks, the last one short
    m = _unit(50, 8)
    rows, sims = N.top_neighbours(m, 6)
    full = m @ m.T
    np.fill_diagonal(full, -np.inf)
    expected = np.argsort(-full, axis=1, kind="stable")[:, :6]
    np.testing.assert_allclose(sims, np.take_along_axis(full, expected, axis=1), rtol=1e-5)
    assert rows.dtype == np.int32 and sims.dtype == np.float32
    assert not (rows == np.arange(50)[:, None]).any()  # never its own neighbour
    np.testing.assert_allclose(np.take_along_axis(full, rows.astype(int), axis=1), sims,
                               rtol=1e-5)  # each listed cosine is the true one
    assert (np.diff(sims, axis=1) <= 1e-7).all()  # best first


def test_k_shrinks_on_tiny_catalogues():
    rows, sims = N.top_neighbours(_unit(3, 4), 10)
    assert rows.shape == (3, 2)
    assert N.top_neighbours(_unit(1, 4), 10)[0].shape == (1, 0)


def test_listed_scores_are_exact_above_tau():
    m = _unit(400, 16, seed=3)
    knn_rows, knn_sims = N.top_neighbours(m, 20)
    profile = np.array([3, 77, 150, 299])
    listed = N.listed_nearest_scores(400, profile, knn_rows, knn_sims)
    exact = nearest_profile_scores(m, profile)
    tau = knn_sims[profile, -1].max()
    above = exact >= tau
    assert above.sum() > len(profile)  # the check is not vacuous
    np.testing.assert_allclose(listed[above], exact[above], rtol=1e-5)
    # the candidates' ranking head (profile rows all tie at 1) is the exact ranking's head
    others = np.setdiff1d(np.arange(400), profile)
    np.testing.assert_array_equal(others[np.argsort(-listed[others])[:10]],
                                  others[np.argsort(-exact[others])[:10]])


def test_unlisted_songs_rank_below_listed_ones_in_tail_order():
    m = _unit(200, 8, seed=5)
    knn_rows, knn_sims = N.top_neighbours(m, 3)
    popularity = np.arange(200, dtype=float)  # later rows more popular
    out = N.listed_nearest_scores(200, np.array([0]), knn_rows, knn_sims, tail_order=popularity)
    listed = np.zeros(200, bool)
    listed[knn_rows[0]] = listed[0] = True
    assert out[~listed].max() < out[listed].min()
    tail = np.flatnonzero(~listed)
    assert (np.diff(out[tail]) > 0).all()  # the more popular, the higher
    assert out[0] == 1.0


def _songs(n):
    return pd.DataFrame({"song_id": [f"s{i}" for i in range(n)], "anime_id": np.arange(n) // 5,
                         "relation": "opening", "title": "t", "anime_title": "a"})


def test_bundle_stores_and_serves_the_lists(tmp_path):
    m = _unit(60, 8)
    builder = B.BundleBuilder(_songs(60))
    builder.add_dense("minilm", m, params={"profile_query": "nearest"}, neighbours=5)
    builder.add_dense("node2vec", m)
    builder.add_scores("popular", np.arange(60, dtype=float))
    builder.publish(tmp_path, "h")
    loaded = B.load_bundle(tmp_path, verify=True)
    assert loaded.manifest["models"]["minilm"]["params"]["knn"] == 5
    assert set(loaded.neighbours) == {"minilm"}
    rows, sims = loaded.neighbours["minilm"]
    assert rows.shape == (60, 5) and rows.dtype == np.int32
    profile = np.array([2, 31])
    got = score(loaded, "minilm", profile, rng=None)
    tail = loaded.derived("log_popularity_prior", lambda b: None)
    expected = N.listed_nearest_scores(60, profile, rows, sims, tail_order=tail)
    np.testing.assert_array_equal(got, expected)
    # the in-memory view the evaluation uses scores the same way
    np.testing.assert_array_equal(score(builder.as_bundle(), "minilm", profile, rng=None), got)


def test_damaged_lists_are_refused(tmp_path):
    builder = B.BundleBuilder(_songs(30))
    builder.add_dense("minilm", _unit(30, 4), params={"profile_query": "nearest"}, neighbours=4)
    version = builder.publish(tmp_path, "h")
    path = tmp_path / "versions" / version / "minilm.knn_rows.npy"
    np.save(path, np.zeros((30, 3), np.int32))
    with pytest.raises(B.BundleError, match="knn_rows"):
        B.load_bundle(tmp_path)
    with pytest.raises(B.BundleError, match="neighbours"):
        B.BundleBuilder(_songs(30)).add_dense("minilm", _unit(30, 4), neighbours=-1)
