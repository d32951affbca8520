"""MiniLM/MPNet embeddings: normalised vectors, incremental cache, fast ≈ exact, damage-proof
cache."""

import os
import sqlite3
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from animusic_assets.core import embeddings as emb
from animusic_assets.core import encoders
from animusic_assets.core.embedding_cache import EmbeddingCache
from animusic_assets.defs.models.transformers import minilm_model, mpnet_model
from animusic_assets.resources.embedder import EmbeddingCacheResource

_SONGS = [
    ("Unravel", "Tokyo Ghoul", "TK from Ling tosite Sigure"),
    ("Gurenge", "Demon Slayer", "LiSA"),
    ("Blue Bird", "Naruto Shippuden", "Ikimono-gakari"),
    ("Again", "Fullmetal Alchemist: Brotherhood", "YUI"),
    ("Guren no Yumiya", "Attack on Titan", "Linked Horizon"),
    ("The Real Folk Blues", "Cowboy Bebop", "The Seatbelts feat. Mai Yamane"),
    ("Silhouette", "Naruto Shippuden", "KANA-BOON"),
    ("Kaikai Kitan", "Jujutsu Kaisen", "Eve"),
    ("Idol", "Oshi no Ko", "YOASOBI"),
    ("Cruel Angel's Thesis", "Neon Genesis Evangelion", "Yoko Takahashi"),
]
_GENRES = ["Action, Fantasy", "Drama, Romance", "Comedy, Slice of Life", "Sports", "Sci-Fi, Mecha"]
_RELATIONS = ["opening theme", "ending theme", "insert song", "image song", "opening theme"]
DOCS = [
    f"{title} ({i}). {anime}. {_RELATIONS[i % 5]}. vocals: {artist}. "
    f"genres: {_GENRES[(i // 10) % 5]}. studio: Studio {i % 7}. source: Manga"
    for i, (title, anime, artist) in ((i, _SONGS[i % 10]) for i in range(50))
]


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory) -> Path:
    """One exported ONNX graph for the whole module (exporting takes seconds)."""
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture
def cache(tmp_path, onnx_dir) -> EmbeddingCache:
    return EmbeddingCache(tmp_path / "cache", onnx_dir=onnx_dir)


@pytest.fixture(scope="module")
def exact_vectors(tmp_path_factory) -> np.ndarray:
    return emb.encode_documents("minilm", DOCS, None, mode="exact")


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


def test_vectors_are_normalised_float32_with_the_model_dim(cache):
    vectors, stats = emb.encode_documents_with_stats("minilm", DOCS, cache)
    assert vectors.shape == (50, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (stats.rows, stats.hits, stats.misses) == (50, 0, 50)
    again, stats = emb.encode_documents_with_stats("minilm", DOCS, cache)
    assert (stats.hits, stats.misses) == (50, 0)
    np.testing.assert_array_equal(again, vectors)


def test_one_changed_document_embeds_exactly_one(cache):
    before = emb.encode_documents("minilm", DOCS, cache)
    changed = list(DOCS)
    changed[7] = changed[7] + " tags: vampire"
    after, stats = emb.encode_documents_with_stats("minilm", changed, cache)
    assert (stats.hits, stats.misses) == (49, 1)
    keep = [i for i in range(50) if i != 7]
    np.testing.assert_array_equal(after[keep], before[keep])
    assert _cosines(after[[7]], before[[7]])[0] < 0.9999


def test_duplicates_and_order_follow_the_input(cache, exact_vectors):
    docs = [DOCS[3], DOCS[1], DOCS[3], DOCS[0]]
    vectors, stats = emb.encode_documents_with_stats("minilm", docs, cache, mode="exact")
    assert (stats.rows, stats.unique_documents, stats.misses) == (4, 3, 3)
    np.testing.assert_allclose(vectors, exact_vectors[[3, 1, 3, 0]], atol=1e-5)


def test_exact_path_is_sentence_transformers_fp32(exact_vectors):
    model = encoders.load_sentence_transformer(emb.resolve_model_path("minilm"))
    plain = model.encode(DOCS, batch_size=32, normalize_embeddings=True)
    assert _cosines(exact_vectors, plain).min() > 0.99999


def test_fast_path_is_close_to_exact_fp32(cache, exact_vectors):
    fast, fast_stats = emb.encode_documents_with_stats("minilm", DOCS, cache)
    assert fast_stats.backend != "torch-fp32" or "fp32" in fast_stats.note
    assert _cosines(fast, exact_vectors).min() >= 0.99
    # the cache keys each backend separately: exact never returns fast vectors
    again, stats = emb.encode_documents_with_stats("minilm", DOCS, cache, mode="exact")
    assert stats.backend == "torch-fp32"
    assert stats.misses == (0 if fast_stats.backend == "torch-fp32" else 50)
    np.testing.assert_allclose(again, exact_vectors, atol=1e-5)


def test_fast_mode_backend_choice(monkeypatch):
    assert emb._choose_backend("exact", None, "cpu")[0] == "torch-fp32"
    assert emb._choose_backend("fast", None, "cuda")[0] == "torch-fp16"
    monkeypatch.setattr(emb, "cpu_supports_bf16", lambda: True)
    assert emb._choose_backend("fast", None, "cpu")[0] == "torch-bf16"
    monkeypatch.setattr(emb, "cpu_supports_bf16", lambda: False)
    monkeypatch.setattr(emb, "onnx_available", lambda: True)
    assert emb._choose_backend("fast", None, "cpu")[0] == "onnx-fp32"
    monkeypatch.setattr(emb, "onnx_available", lambda: False)
    backend, note = emb._choose_backend("fast", None, "cpu")
    assert backend == "torch-fp32" and "bf16" in note


@pytest.mark.skipif(not emb.cpu_supports_bf16(), reason="this CPU has no bf16 instructions")
def test_bf16_backend_is_close_to_exact(cache, exact_vectors):
    vectors = emb.encode_documents("minilm", DOCS, cache, backend="torch-bf16")
    assert _cosines(vectors, exact_vectors).min() >= 0.999


@pytest.mark.skipif(not emb.onnx_available(), reason="optional onnxruntime/onnx not installed")
def test_onnx_backend_matches_exact(cache, exact_vectors):
    vectors, stats = emb.encode_documents_with_stats("minilm", DOCS, cache, backend="onnx-fp32")
    assert stats.backend == "onnx-fp32", stats.note
    assert _cosines(vectors, exact_vectors).min() >= 0.9999


def test_truncation_is_a_separate_cache_variant(cache):
    emb.encode_documents("minilm", DOCS[:5], cache)
    short, stats = emb.encode_documents_with_stats("minilm", DOCS[:5], cache, max_seq_length=8)
    assert stats.misses == 5
    full = emb.encode_documents("minilm", DOCS[:5], cache)
    assert _cosines(short, full).max() < 0.999


def test_a_damaged_cache_file_is_rebuilt_not_fatal(cache):
    first = emb.encode_documents("minilm", DOCS[:10], cache)
    path = cache.path_for("minilm")
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    vectors, stats = emb.encode_documents_with_stats("minilm", DOCS[:10], cache)
    assert stats.misses == 10 and "rebuilt" in stats.note
    np.testing.assert_allclose(vectors, first, atol=1e-5)
    assert list(path.parent.glob("minilm.sqlite3.corrupt-*"))
    assert emb.encode_documents_with_stats("minilm", DOCS[:10], cache)[1].hits == 10


def test_damaged_rows_are_re_embedded(cache):
    first = emb.encode_documents("minilm", DOCS[:10], cache)
    with sqlite3.connect(cache.path_for("minilm")) as conn:
        keys = [k for (k,) in conn.execute("SELECT doc_sha256 FROM vectors LIMIT 3")]
        conn.execute("UPDATE vectors SET vec = zeroblob(1536) WHERE doc_sha256 = ?", (keys[0],))
        conn.execute("UPDATE vectors SET vec = X'00' WHERE doc_sha256 = ?", (keys[1],))
        conn.execute("UPDATE vectors SET crc = crc + 1 WHERE doc_sha256 = ?", (keys[2],))
    vectors, stats = emb.encode_documents_with_stats("minilm", DOCS[:10], cache)
    assert (stats.corrupt, stats.misses, stats.hits) == (3, 3, 7)
    # re-embedded in a batch of 3 instead of 10: under bf16 the result depends on the batch's
    # shape by ~1e-3 per component, so compare as vectors
    assert _cosines(vectors, first).min() >= 0.9999
    assert emb.encode_documents_with_stats("minilm", DOCS[:10], cache)[1].hits == 10


def test_a_deleted_cache_dir_is_recreated(cache):
    import shutil

    emb.encode_documents("minilm", DOCS[:3], cache)
    shutil.rmtree(cache.vectors_dir)
    assert emb.encode_documents_with_stats("minilm", DOCS[:3], cache)[1].misses == 3
    assert cache.count("minilm") == 3


def test_missing_mpnet_weights_name_the_path_and_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("ANIMUSIC_MODELS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(emb.ModelWeightsMissing) as err:
        emb.encode_documents("mpnet", DOCS[:2], None)
    message = str(err.value)
    assert str((tmp_path / "nowhere" / "all-mpnet-base-v2").resolve()) in message
    assert "make weights" in message


def test_unknown_model_and_bad_mode_are_rejected():
    with pytest.raises(ValueError, match="unknown embedding model"):
        emb.encode_documents("bert-huge", DOCS[:1], None)
    with pytest.raises(ValueError, match="mode"):
        emb.encode_documents("minilm", DOCS[:1], None, mode="turbo")


@pytest.mark.skipif(
    not (emb.models_dir() / "all-mpnet-base-v2" / "config.json").is_file(),
    reason=f"MPNet weights not unpacked in {emb.models_dir() / 'all-mpnet-base-v2'} "
    f"(run `make weights`)",
)
def test_mpnet_embeds_768_d(cache):
    vectors, stats = emb.encode_documents_with_stats("mpnet", DOCS[:4], cache, mode="exact")
    assert vectors.shape == (4, 768) and stats.misses == 4
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


# ---- Dagster assets ------------------------------------------------------------------------


@dg.asset(name="song_documents")
def _documents() -> pd.Series:
    return pd.Series(DOCS[:12], dtype="string")


def test_minilm_asset_reports_cache_use(tmp_path):
    resources = {"embedding_cache": EmbeddingCacheResource(root=str(tmp_path / "cache"))}
    for expected_misses in (12, 0):
        result = dg.materialize([_documents, minilm_model], resources=resources)
        matrix = result.output_for_node("minilm_model").matrix
        assert matrix.shape == (12, 384) and matrix.dtype == np.float32
        metadata = result.asset_materializations_for_node("minilm_model")[0].metadata
        assert metadata["rows"].value == 12
        assert metadata["cache_misses"].value == expected_misses
        assert metadata["cache_hits"].value == 12 - expected_misses
        assert {"seconds", "texts_per_s", "device", "backend"} <= set(metadata)


def test_mpnet_asset_fails_clearly_without_weights(tmp_path):
    resources = {
        "embedding_cache": EmbeddingCacheResource(
            root=str(tmp_path / "cache"), models_dir=str(tmp_path / "models")
        )
    }
    result = dg.materialize(
        [_documents, mpnet_model],
        resources=resources,
        raise_on_error=False,
        selection=["mpnet_model", "song_documents"],
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "make weights" in str(
        failure.event_specific_data.error.message
    ) or "make weights" in str(failure.event_specific_data.user_failure_data.description)
