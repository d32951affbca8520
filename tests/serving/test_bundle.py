"""The bundle contract: write, read back memory-mapped, verify, swap CURRENT atomically."""

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from animusic_serving import bundle as B
from animusic_serving.bundle_builder import BundleBuilder


def _songs(n=4):
    return pd.DataFrame(
        {
            "song_id": [f"s{i}" for i in range(n)],
            "anime_id": [1, 1, 2, 3][:n],
            "relation": ["opening", "ending", "opening", "ending"][:n],
            "title": ["again", "Let It Out", "Unravel", "Gurenge"][:n],
            "anime_title": ["FMA", "FMA", "Tokyo Ghoul", "Kimetsu"][:n],
        }
    )


def _builder(n=4, dim=3):
    rng = np.random.default_rng(0)
    b = BundleBuilder(_songs(n))
    b.add_dense("minilm", rng.normal(size=(n, dim)), params={"model": "x"})
    vocab = {"a": 0, "b": 1}
    b.add_tfidf(sp.csr_matrix(rng.random((n, 2))), vocab, np.ones(2))
    b.add_scores("popular", np.arange(n, dtype=float))
    b.add_model("random")
    return b


def test_publish_then_load_roundtrip(tmp_path):
    version = _builder().publish(tmp_path, catalog_hash="abc")
    assert B.read_current(tmp_path) == version
    loaded = B.load_bundle(tmp_path, verify=True)
    assert loaded.version == version
    assert sorted(loaded.model_names) == ["minilm", "popular", "random", "tfidf"]
    assert isinstance(loaded.dense["minilm"], np.memmap)
    np.testing.assert_allclose(np.linalg.norm(loaded.dense["minilm"], axis=1), 1.0, rtol=1e-5)
    tfidf_norms = np.sqrt(loaded.tfidf.multiply(loaded.tfidf).sum(axis=1)).A.ravel()
    np.testing.assert_allclose(tfidf_norms, 1.0, rtol=1e-5)
    assert loaded.scores["popular"].tolist() == [0, 1, 2, 3]
    assert loaded.row_of("s2") == 2 and loaded.row_of("nope") is None
    assert loaded.manifest["catalog_hash"] == "abc"
    assert set(loaded.manifest["checksums"]) >= {"songs.parquet", "minilm.npy", "tfidf.npz"}
    # no pickles anywhere in the version directory
    files = {p.name for p in (tmp_path / "versions" / version).iterdir()}
    assert not any(f.endswith((".pkl", ".pickle")) for f in files)


def test_second_publish_swaps_current_and_keeps_old(tmp_path):
    v1 = _builder().publish(tmp_path, "h1", version="v1")
    v2 = _builder().publish(tmp_path, "h2", version="v2")
    assert (v1, v2) == ("v1", "v2")
    assert B.read_current(tmp_path) == "v2"
    assert B.list_versions(tmp_path) == ["v1", "v2"]
    assert B.load_bundle(tmp_path, "v1").manifest["catalog_hash"] == "h1"


def test_corrupt_file_fails_verification_and_keeps_current(tmp_path):
    _builder().publish(tmp_path, "h1", version="v1")
    vdir = tmp_path / "versions" / "v1"
    (vdir / "minilm.npy").write_bytes(b"garbage")
    with pytest.raises(B.BundleError, match="checksum"):
        B.load_bundle(tmp_path, verify=True)
    with pytest.raises(B.BundleError, match=r"minilm\.npy"):
        B.load_bundle(tmp_path)


def test_missing_store_and_bad_manifest_raise_bundle_error(tmp_path):
    with pytest.raises(B.BundleError, match="no bundle published"):
        B.load_bundle(tmp_path)
    _builder().publish(tmp_path, "h", version="v1")
    (tmp_path / "versions" / "v1" / "manifest.json").write_text("{not json")
    with pytest.raises(B.BundleError, match="unreadable manifest"):
        B.load_bundle(tmp_path)


def test_failed_publish_leaves_no_version_and_current_untouched(tmp_path, monkeypatch):
    _builder().publish(tmp_path, "h", version="v1")
    b = _builder()
    monkeypatch.setattr(b, "_manifest", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        b.publish(tmp_path, "h", version="v2")
    assert B.read_current(tmp_path) == "v1"
    assert B.list_versions(tmp_path) == ["v1"]
    assert not [p for p in (tmp_path / "versions").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    "bad",
    [
        lambda b: b.add_dense("minilm", np.full((4, 3), np.nan)),
        lambda b: b.add_dense("minilm", np.ones((3, 3))),
        lambda b: b.add_scores("popular", np.ones(5)),
        lambda b: b.add_model("Bad Name"),
    ],
)
def test_builder_rejects_bad_models(bad):
    with pytest.raises(B.BundleError):
        bad(BundleBuilder(_songs()))


def test_builder_rejects_duplicate_song_ids():
    songs = _songs()
    songs.loc[1, "song_id"] = "s0"
    with pytest.raises(B.BundleError, match="duplicate"):
        BundleBuilder(songs)


def test_current_pointer_is_written_atomically(tmp_path):
    _builder().publish(tmp_path, "h", version="v1")
    with pytest.raises(B.BundleError):
        B.set_current(tmp_path, "does-not-exist")
    assert (tmp_path / "CURRENT").read_text() == "v1\n"
    assert json.loads((tmp_path / "versions/v1/manifest.json").read_text())["version"] == "v1"
