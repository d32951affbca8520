"""The encoders behind ``embeddings.py``: PyTorch (fp32 reference, bf16/fp16 autocast) and
ONNX Runtime, plus the ONNX export. ``embeddings.py`` chooses one, caches it per process and
owns the embedding cache; see its docstring for the backends and what was measured.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from animusic_assets.core.plain_pipeline import (
    PlainPipeline,
    UnsupportedPipeline,
    declared_max_seq_length,
    length_sorted_batches,
)

if TYPE_CHECKING:
    from animusic_assets.core.embedding_models import ModelSpec

log = logging.getLogger(__name__)

_ONNX_OPSET = 17
_EXPORT_CHECK_MIN_COSINE = 0.9999
# Batch sizes measured best on a 2-core CPU (scripts/bench_embeddings.py); CUDA takes big ones.
_DEFAULT_BATCH = {"onnx-fp32": 16, "torch-bf16": 64, "torch-fp32": 32, "torch-fp16": 128}


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def load_sentence_transformer(
    path: Path, device: str = "cpu", max_seq_length: int | None = None
) -> Any:
    from sentence_transformers import SentenceTransformer

    try:
        import transformers

        transformers.utils.logging.disable_progress_bar()
    except Exception:  # pragma: no cover
        pass
    model = SentenceTransformer(str(path), device=device, local_files_only=True)
    if max_seq_length:
        model.max_seq_length = int(max_seq_length)
    model.eval()
    return model


class _TorchEncoder:
    """``torch-fp32``: ``SentenceTransformer.encode`` itself (the reference). ``torch-bf16`` /
    ``torch-fp16``: our own loop — tokenise once, sort by token length, run the transformer
    under autocast, pool and normalise in fp32 — through ``plain_pipeline`` (no
    sentence-transformers import: 3 s less per process), or through the SentenceTransformer's
    own modules when the model folder declares a pipeline that one does not cover."""

    def __init__(self, path: Path, device: str, backend: str, max_seq_length: int | None):
        self.backend, self.device, self.note = backend, device, ""
        self.default_batch_size = _DEFAULT_BATCH[backend]
        self.plain: PlainPipeline | None = None
        self.model: Any = None  # a SentenceTransformer, imported only when needed
        if backend != "torch-fp32":
            try:
                self.plain = PlainPipeline(path, device, max_seq_length)
                self.dim = self.plain.dim
                return
            except UnsupportedPipeline as exc:
                log.info("%s; embedding through sentence-transformers", exc)
        self.model = load_sentence_transformer(path, device, max_seq_length)
        dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        self.dim = int(dim())

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        import torch

        if self.backend == "torch-fp32":
            return self.model.encode(
                texts, batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False
            )
        dtype = torch.float16 if self.backend == "torch-fp16" else torch.bfloat16
        if self.plain is not None:
            return self.plain.encode(texts, batch_size, dtype)
        device_type = "cuda" if self.device.startswith("cuda") else "cpu"
        transformer, rest = self.model[0], list(self.model)[1:]
        out = np.empty((len(texts), self.dim), np.float32)
        with torch.inference_mode():
            for rows, batch in length_sorted_batches(
                self.model.tokenizer, texts, self.model.max_seq_length, batch_size
            ):
                features = {k: v.to(self.device) for k, v in batch.items()}
                with torch.autocast(device_type, dtype=dtype):
                    features = transformer(features)
                features = {
                    k: v.float() if torch.is_tensor(v) and v.is_floating_point() else v
                    for k, v in features.items()
                }
                for module in rest:  # pooling (+ normalise) in fp32
                    features = module(features)
                out[rows] = features["sentence_embedding"].float().cpu().numpy()
        return out


class _OnnxEncoder:
    """The whole SentenceTransformer pipeline as one ONNX graph, run by ONNX Runtime (CPU)."""

    backend = "onnx-fp32"
    default_batch_size = _DEFAULT_BATCH["onnx-fp32"]

    def __init__(
        self,
        spec: ModelSpec,
        path: Path,
        fingerprint: str,
        max_seq_length: int | None,
        onnx_dir: Path | None,
    ):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.note = ""
        if onnx_dir is None:
            onnx_dir = Path(tempfile.gettempdir()) / "animusic-onnx"
        onnx_path = Path(onnx_dir) / f"{spec.name}-{fingerprint}-opset{_ONNX_OPSET}.onnx"
        if not onnx_path.is_file():
            export_onnx(path, onnx_path)
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self.max_seq_length = int(
            max_seq_length or declared_max_seq_length(path) or self.tokenizer.model_max_length
        )
        options = ort.SessionOptions()
        options.intra_op_num_threads = _num_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(
                str(onnx_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception:  # a damaged file (e.g. a disk filled mid-write): export again
            onnx_path.unlink(missing_ok=True)
            export_onnx(path, onnx_path)
            self.session = ort.InferenceSession(
                str(onnx_path), options, providers=["CPUExecutionProvider"]
            )
        self.input_names = [i.name for i in self.session.get_inputs()]

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        out = None
        for rows, batch in length_sorted_batches(
            self.tokenizer, texts, self.max_seq_length, batch_size, self.input_names, "np"
        ):
            feeds = {k: np.asarray(batch[k], dtype=np.int64) for k in self.input_names}
            vectors = self.session.run(None, feeds)[0]
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors
        return out if out is not None else np.empty((0, 0), dtype=np.float32)


def _num_threads() -> int:
    import torch

    return max(1, torch.get_num_threads())


def export_onnx(path: Path, onnx_path: Path) -> Path:
    """Export transformer + pooling + normalise to ``onnx_path`` (temp file, check, rename).

    The export is checked against PyTorch fp32 on sample sentences before it is used.
    """
    import torch

    model = load_sentence_transformer(path, "cpu")
    tokenizer = model.tokenizer
    names = list(tokenizer(["a"], return_tensors="pt").keys())

    class _Pipeline(torch.nn.Module):
        def __init__(self, st: Any) -> None:
            super().__init__()
            self.st = st

        def forward(self, *inputs: Any) -> Any:
            return self.st(dict(zip(names, inputs, strict=True)))["sentence_embedding"]

    samples = [
        "Unravel. Tokyo Ghoul. opening theme. vocals: TK from Ling tosite Sigure",
        "Blue Bird. Naruto: Shippuuden. opening theme. genres: Action, Adventure",
        "short",
        "A longer document about an ending theme with several genres: Drama, "
        "Romance, Slice of Life. studio: Kyoto Animation. source: Light novel",
    ]
    example = tokenizer(samples[:2], padding=True, return_tensors="pt")
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = onnx_path.with_name(f".{onnx_path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    axes = {n: {0: "batch", 1: "tokens"} for n in names}
    axes["sentence_embedding"] = {0: "batch"}
    try:
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer chatter about constant-folded branches
            torch.onnx.export(
                _Pipeline(model),
                tuple(example[n] for n in names),
                str(tmp),
                input_names=names,
                output_names=["sentence_embedding"],
                dynamic_axes=axes,
                opset_version=_ONNX_OPSET,
                dynamo=False,
            )
        _check_export(model, tmp, names, samples)
        os.replace(tmp, onnx_path)
    finally:
        tmp.unlink(missing_ok=True)
    return onnx_path


def _check_export(model: Any, onnx_file: Path, names: list[str], samples: list[str]) -> None:
    import onnxruntime as ort

    reference = _normalise(model.encode(samples, batch_size=len(samples)))
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    batch = model.tokenizer(
        samples, padding=True, truncation=True, max_length=model.max_seq_length, return_tensors="np"
    )
    got = _normalise(session.run(None, {n: batch[n].astype(np.int64) for n in names})[0])
    cosine = float((got * reference).sum(axis=1).min())
    if got.shape != reference.shape or not cosine >= _EXPORT_CHECK_MIN_COSINE:
        raise RuntimeError(f"ONNX export disagrees with PyTorch (min cosine {cosine:.6f})")
