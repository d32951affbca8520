"""Neighbour lists: built exactly, stored in the bundle, and scoring like the direct query."""

import numpy as np
import pandas as pd
import pytest

from animusic_serving import bundle as B
from animusic_serving.bundle_builder import BundleBuilder
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
    np.testing.assert_allclose(
        np.take_along_axis(full, rows.astype(int), axis=1), sims, rtol=1e-5
    )  # each listed cosine is the true one
    assert (np.diff(sims, axis=1) <= 1e-7).all()  # best first


def test_k_shrinks_on_tiny_catalogues():
    rows, _sims = N.top_neighbours(_unit(3, 4), 10)
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
    np.testing.assert_array_equal(
        others[np.argsort(-listed[others])[:10]], others[np.argsort(-exact[others])[:10]]
    )


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
    return pd.DataFrame(
        {
            "song_id": [f"s{i}" for i in range(n)],
            "anime_id": np.arange(n) // 5,
            "relation": "opening",
            "title": "t",
            "anime_title": "a",
        }
    )


def test_bundle_stores_and_serves_the_lists(tmp_path):
    m = _unit(60, 8)
    builder = BundleBuilder(_songs(60))
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
    builder = BundleBuilder(_songs(30))
    builder.add_dense("minilm", _unit(30, 4), params={"profile_query": "nearest"}, neighbours=4)
    version = builder.publish(tmp_path, "h")
    path = tmp_path / "versions" / version / "minilm.knn_rows.npy"
    np.save(path, np.zeros((30, 3), np.int32))
    with pytest.raises(B.BundleError, match="knn_rows"):
        B.load_bundle(tmp_path)
    with pytest.raises(B.BundleError, match="neighbours"):
        BundleBuilder(_songs(30)).add_dense("minilm", _unit(30, 4), neighbours=-1)


def _sparse_unit(n, terms, seed=0):
    import scipy.sparse as sp

    m = sp.random(n, terms, density=0.15, random_state=seed, dtype=np.float32, format="csr")
    m = m + sp.csr_matrix(
        (np.ones(n, np.float32), (np.arange(n), np.arange(n) % terms)), shape=(n, terms)
    )  # no empty row
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    return sp.csr_matrix(sp.diags(1 / norms) @ m, dtype=np.float32)


def test_sparse_rows_get_the_same_lists_and_nearest_scores_as_dense(monkeypatch):
    monkeypatch.setattr(N, "BLOCK_ROWS", 16)
    m = _sparse_unit(70, 40)
    dense = m.toarray()
    rows_s, sims_s = N.top_neighbours(m, 5)
    _rows_d, sims_d = N.top_neighbours(dense, 5)
    np.testing.assert_allclose(sims_s, sims_d, rtol=1e-5)
    full = dense @ dense.T
    np.testing.assert_allclose(
        np.take_along_axis(full, rows_s.astype(int), axis=1), sims_s, rtol=1e-5
    )
    profile = np.array([1, 9, 40])
    np.testing.assert_allclose(
        nearest_profile_scores(m, profile), nearest_profile_scores(dense, profile), rtol=1e-5
    )
    # the shortlist path (large catalogues) too: shortlisted rows exact, the rest below them
    short = nearest_profile_scores(m, profile, shortlist=20)
    exact = full[:, profile].max(axis=1)
    top = np.argsort(-short)[:5]
    np.testing.assert_allclose(short[top], exact[top], rtol=1e-5)


def test_tfidf_nearest_query_with_and_without_lists(tmp_path):
    m = _sparse_unit(60, 30, seed=2)
    vocab = {f"t{j}": j for j in range(30)}
    profile = np.array([4, 22])
    exact = (m @ m[profile].T).toarray().max(axis=1)
    for k in (0, 8):
        builder = BundleBuilder(_songs(60))
        builder.add_tfidf(m, vocab, np.ones(30), params={"profile_query": "nearest"}, neighbours=k)
        builder.add_scores("popular", np.arange(60, dtype=float))
        version = builder.publish(tmp_path / str(k), "h")
        loaded = B.load_bundle(tmp_path / str(k), verify=True)
        got = score(loaded, "tfidf", profile, rng=None)
        if k:
            assert loaded.neighbours["tfidf"][0].shape == (60, 8)
            assert (tmp_path / str(k) / "versions" / version / "tfidf.knn_sims.npy").is_file()
            tau = loaded.neighbours["tfidf"][1][profile, -1].max()
            np.testing.assert_allclose(got[exact >= tau], exact[exact >= tau], rtol=1e-5)
        else:
            assert "tfidf" not in loaded.neighbours
            np.testing.assert_allclose(got, exact, rtol=1e-5)
    # a bundle without the param keeps the mean query
    builder = BundleBuilder(_songs(60))
    builder.add_tfidf(m, vocab, np.ones(30))
    centroid = np.asarray(m[profile].mean(axis=0)).ravel()
    np.testing.assert_allclose(
        score(builder.as_bundle(), "tfidf", profile, rng=None), m @ centroid, rtol=1e-5
    )


def test_coarse_vectors_pick_the_shortlist_and_round_trip(tmp_path):
    from animusic_serving.recommend import coarse as C

    rng = np.random.default_rng(4)  # like real embeddings: most variance in a few directions
    m = rng.normal(size=(3000, 8)) @ rng.normal(size=(8, 48)) + 0.3 * rng.normal(size=(3000, 48))
    m = (m / np.linalg.norm(m, axis=1, keepdims=True)).astype(np.float32)
    basis = C.coarse_basis(m, 16, sample=1000)
    assert basis.shape == (48, 16)
    np.testing.assert_allclose(basis.T @ basis, np.eye(16), atol=1e-5)  # orthonormal
    vectors = C.project(m, basis)
    centroid = m[[5, 900]].mean(axis=0)
    exact_mean = m @ centroid
    approx = C.coarse_mean_scores((vectors, basis), centroid)
    assert np.corrcoef(exact_mean, approx)[0, 1] > 0.95  # 16 of 48 dims keep the ranking
    profile = np.array([5, 900, 2100])
    exact = nearest_profile_scores(m, profile)
    shortlisted = nearest_profile_scores(m, profile, shortlist=400, coarse=(vectors, basis))
    top = np.argsort(-shortlisted)[:20]
    np.testing.assert_allclose(shortlisted[top], exact[top], rtol=1e-5)  # scored exactly
    assert len(set(top) & set(np.argsort(-exact)[:20])) >= 15

    builder = BundleBuilder(_songs(3000))
    builder.add_dense("minilm", m, params={"profile_query": "nearest"}, coarse=16)
    builder.add_dense("node2vec", m[:, :8], params={"profile_query": "nearest"}, coarse=16)
    builder.publish(tmp_path, "h")
    loaded = B.load_bundle(tmp_path, verify=True)
    assert set(loaded.coarse) == {"minilm"}  # 8 dims: nothing to project
    assert loaded.manifest["models"]["minilm"]["params"]["coarse_dims"] == 16
    assert loaded.coarse["minilm"][0].shape == (3000, 16)
    assert loaded.coarse["minilm"][1].shape == (48, 16)
    np.testing.assert_allclose(
        score(loaded, "minilm", profile, rng=None),
        score(builder.as_bundle(), "minilm", profile, rng=None),
    )
    with pytest.raises(B.BundleError, match="coarse"):
        BundleBuilder(_songs(30)).add_dense("minilm", _unit(30, 4), coarse=-1)
