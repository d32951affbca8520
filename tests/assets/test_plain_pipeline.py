"""The fast path's own pipeline (no sentence-transformers import) gives SentenceTransformer's
vectors."""

import json
import os
import shutil

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from animusic_assets.core import embeddings as emb
from animusic_assets.core import encoders
from animusic_assets.core.plain_pipeline import PlainPipeline, UnsupportedPipeline, read_pipeline

DOCS = [
    "Unravel. Tokyo Ghoul. opening theme. vocals: TK from Ling tosite Sigure",
    "Gurenge. Demon Slayer. opening theme. genres: Action, Fantasy",
    "short",
    "The Real Folk Blues. Cowboy Bebop. ending theme. " * 12,  # long: truncated
    "Idol. Oshi no Ko. opening theme. vocals: YOASOBI. studio: Doga Kobo",
]

MODELS = [
    pytest.param("minilm", id="minilm"),
    pytest.param(
        "mpnet",
        id="mpnet",
        marks=pytest.mark.skipif(
            not (emb.models_dir() / "all-mpnet-base-v2" / "config.json").is_file(),
            reason="MPNet weights not unpacked (run `make weights`)",
        ),
    ),
]


@pytest.mark.parametrize("model", MODELS)
def test_fp32_vectors_equal_sentence_transformers(model):
    path = emb.resolve_model_path(emb.model_spec(model).name)
    reference = encoders.load_sentence_transformer(path).encode(DOCS, batch_size=2)
    plain = PlainPipeline(path)
    assert plain.max_seq_length == read_pipeline(path)[1] and plain.dim == reference.shape[1]
    got = plain.encode(DOCS, batch_size=2)  # sorted batches: padding differs from the reference's
    assert got.dtype == np.float32 and got.shape == reference.shape
    assert (got * reference).sum(axis=1).min() >= 0.9999
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_other_pipelines_are_refused_and_the_encoder_falls_back(tmp_path):
    path = emb.resolve_model_path(emb.model_spec("minilm").name)
    copy = tmp_path / "model"
    shutil.copytree(path, copy)
    pooling = copy / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    pooling.write_text(json.dumps(config))
    with pytest.raises(UnsupportedPipeline, match="mean pooling"):
        read_pipeline(copy)
    (copy / "modules.json").write_text("not json")
    with pytest.raises(UnsupportedPipeline, match="cannot read"):
        read_pipeline(copy)
    # the bf16 encoder then runs through the SentenceTransformer's own modules
    shutil.copy(path / "modules.json", copy / "modules.json")
    encoder = encoders._TorchEncoder(copy, "cpu", "torch-bf16", None)
    assert encoder.plain is None and encoder.model is not None
    assert encoder.encode(DOCS[:2], batch_size=2).shape == (2, 384)
    assert encoders._TorchEncoder(path, "cpu", "torch-bf16", None).plain is not None
