"""The model bundle: the one contract between the offline and the online half.

A bundle store is a directory::

    <root>/CURRENT                      the version being served (one line of text)
    <root>/versions/<version>/
        manifest.json                   schema version, created_at, catalog hash, models, checksums
        songs.parquet                   one row per song; row order == vector row order
        <model>.npy                     float32 L2-normalised rows, one per dense model
        <model>.knn_rows.npy + .knn_sims.npy  optional (dense models and tfidf): each row's k
                                        nearest rows (int32) and their cosines (float32),
                                        best first
        <model>.coarse.npy + .coarse_basis.npy  optional (dense models): rows projected onto
                                        their top principal directions, and that basis
        tfidf.npz + tfidf_vocab.json    sparse TF-IDF rows (L2-normalised) + vocabulary/idf
        <model>.scores.npy              float32 score per song (e.g. popularity)
        <model>.anime_ids.npy + .anime_weights.npy  an anime-to-anime model (``lists``):
                                        int64 MAL ids and the float32 (n, n) weights, or
                                        .anime_knn_rows.npy (int32) + .anime_knn_weights.npy
                                        (float32) holding each anime's top-k (n, k)

No pickles anywhere: everything is numpy, parquet or JSON, so a bundle can be read by any
process and memory-mapped. Publishing writes a complete version directory under a temporary
name, renames it into place, verifies it, and only then replaces ``CURRENT`` atomically, so a
reader never sees a half-written version.

``BundleBuilder`` (``animusic_serving.bundle_builder``) writes a version; this module defines
the format and reads it, and never imports the writing half. Neither imports Dagster, FastAPI
nor SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

SCHEMA_VERSION = 1
CURRENT_FILE = "CURRENT"
VERSIONS_DIR = "versions"
MANIFEST_FILE = "manifest.json"
SONGS_FILE = "songs.parquet"
TFIDF_MATRIX_FILE = "tfidf.npz"
TFIDF_VOCAB_FILE = "tfidf_vocab.json"


def knn_files(model: str) -> tuple[str, str]:
    """The files of a model's neighbour lists: (rows, similarities)."""
    return f"{model}.knn_rows.npy", f"{model}.knn_sims.npy"


def anime_model_files(model: str, storage: str) -> list[str]:
    """The files of an anime-to-anime model: ids, then dense weights or top-k rows/weights."""
    if storage == "dense":
        return [f"{model}.anime_ids.npy", f"{model}.anime_weights.npy"]
    return [
        f"{model}.anime_ids.npy",
        f"{model}.anime_knn_rows.npy",
        f"{model}.anime_knn_weights.npy",
    ]


def coarse_files(model: str) -> tuple[str, str]:
    """The files of a model's coarse vectors: (vectors, basis)."""
    return f"{model}.coarse.npy", f"{model}.coarse_basis.npy"


REQUIRED_SONG_COLUMNS = ("song_id", "anime_id", "relation", "title", "anime_title")
_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_MODEL_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class BundleError(RuntimeError):
    """A bundle is missing, incomplete or corrupt. The message is one line, safe to show."""


# --------------------------------------------------------------------------- reading


@dataclass
class Bundle:
    """One loaded version. Dense matrices are memory-mapped (read-only)."""

    root: Path
    version: str
    manifest: dict
    songs: pd.DataFrame
    dense: dict[str, np.ndarray]
    scores: dict[str, np.ndarray]
    tfidf: sp.csr_matrix | None
    tfidf_vocabulary: dict[str, int]
    tfidf_idf: np.ndarray | None
    _row_by_song: dict[str, int] = field(repr=False, default_factory=dict)
    # model -> (knn_rows int32 (n, k), knn_sims float32 (n, k)), when published with them
    neighbours: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # dense model -> (coarse vectors (n, k), basis (d, k)), when published with them
    coarse: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # anime-to-anime model (kind "anime_weights", e.g. lists) -> {"anime_ids", "weights"} or
    # {"anime_ids", "knn_rows", "knn_weights"}
    anime_models: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    _derived: dict[str, Any] = field(repr=False, default_factory=dict)

    def derived(self, key: str, compute: Callable[[Bundle], Any]) -> Any:
        """A value computed once from this (immutable) version, e.g. integer codes of a
        column; requests reuse it instead of redoing per-catalogue work."""
        if key not in self._derived:
            self._derived[key] = compute(self)
        return self._derived[key]

    @property
    def model_names(self) -> list[str]:
        return list(self.manifest["models"])

    @property
    def n_songs(self) -> int:
        return len(self.songs)

    def row_of(self, song_id: str) -> int | None:
        return self._row_by_song.get(str(song_id))


def load_bundle(root: str | Path, version: str | None = None, verify: bool = False) -> Bundle:
    """Load ``version`` (default: the one in ``CURRENT``).

    ``verify=True`` also checks every file's SHA-256 against the manifest (used when
    publishing; serving checks shapes only, so a 1M-song bundle loads in milliseconds).
    """
    root = Path(root)
    if version is None:
        version = read_current(root)
        if version is None:
            raise BundleError(f"no bundle published yet ({root / CURRENT_FILE} is missing)")
    vdir = root / VERSIONS_DIR / version
    manifest = _read_manifest(vdir)
    if verify:
        for name, expected in manifest.get("checksums", {}).items():
            path = vdir / name
            if not path.is_file() or _sha256(path) != expected:
                raise BundleError(f"bundle {version}: {name} is missing or fails its checksum")
    try:
        songs = pd.read_parquet(vdir / SONGS_FILE)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise BundleError(f"bundle {version}: cannot read {SONGS_FILE}: {exc}") from exc
    n = len(songs)
    if n != manifest.get("n_songs"):
        raise BundleError(
            f"bundle {version}: {n} songs but the manifest says {manifest.get('n_songs')}"
        )

    dense, scores, neighbours, coarse = {}, {}, {}, {}
    anime_models: dict[str, dict[str, np.ndarray]] = {}
    tfidf, idf = None, None
    vocab: dict[str, int] = {}
    for name, meta in manifest["models"].items():
        kind = meta.get("kind")
        if kind == "dense":
            dense[name] = _load_array(vdir, meta["files"][0], version, (n, meta["dim"]))
            k = meta.get("params", {}).get("coarse_dims")
            if k:
                vectors_file, basis_file = coarse_files(name)
                coarse[name] = (
                    _load_array(vdir, vectors_file, version, (n, k)),
                    _load_array(vdir, basis_file, version, (meta["dim"], k)),
                )
        elif kind == "scores":
            scores[name] = _load_array(vdir, meta["files"][0], version, (n,))
        elif kind == "tfidf":
            tfidf, vocab, idf = _load_tfidf(vdir, version, n)
        elif kind == "anime_weights":
            anime_models[name] = _load_anime_model(vdir, version, meta)
        k = meta.get("params", {}).get("knn")
        if k and kind in ("dense", "tfidf"):
            rows_file, sims_file = knn_files(name)
            neighbours[name] = (
                _load_array(vdir, rows_file, version, (n, k), np.int32),
                _load_array(vdir, sims_file, version, (n, k)),
            )
    row_by_song = {str(s): i for i, s in enumerate(songs["song_id"].tolist())}
    return Bundle(
        root,
        version,
        manifest,
        songs,
        dense,
        scores,
        tfidf,
        vocab,
        idf,
        row_by_song,
        neighbours,
        coarse,
        anime_models,
    )


def _read_manifest(vdir: Path) -> dict:
    try:
        manifest = json.loads((vdir / MANIFEST_FILE).read_text())
    except FileNotFoundError:
        raise BundleError(f"bundle version {vdir.name} has no {MANIFEST_FILE}") from None
    except (OSError, ValueError) as exc:
        raise BundleError(f"bundle version {vdir.name}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("schema_version") != SCHEMA_VERSION:
        raise BundleError(f"bundle version {vdir.name}: unsupported manifest schema")
    if not isinstance(manifest.get("models"), dict):
        raise BundleError(f"bundle version {vdir.name}: manifest lists no models")
    return manifest


def _load_array(
    vdir: Path, name: str, version: str, shape: tuple, dtype: type = np.float32
) -> np.ndarray:
    try:
        array = np.load(vdir / name, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise BundleError(f"bundle {version}: cannot read {name}: {exc}") from None
    if array.shape != shape or array.dtype != dtype:
        raise BundleError(
            f"bundle {version}: {name} has shape {array.shape} {array.dtype}, "
            f"expected {shape} {np.dtype(dtype).name}"
        )
    return array


def _load_anime_model(vdir: Path, version: str, meta: dict) -> dict[str, np.ndarray]:
    params = meta.get("params", {})
    n, storage = int(params.get("anime", -1)), params.get("storage")
    files = meta.get("files", [])
    if storage not in ("dense", "top_k") or len(files) != (2 if storage == "dense" else 3):
        raise BundleError(f"bundle {version}: anime model files/storage do not match")
    arrays = {"anime_ids": _load_array(vdir, files[0], version, (n,), np.int64)}
    if storage == "dense":
        arrays["weights"] = _load_array(vdir, files[1], version, (n, n))
    else:
        k = int(params.get("top_k", -1))
        arrays["knn_rows"] = _load_array(vdir, files[1], version, (n, k), np.int32)
        arrays["knn_weights"] = _load_array(vdir, files[2], version, (n, k))
    return arrays


def _load_tfidf(
    vdir: Path, version: str, n: int
) -> tuple[sp.csr_matrix, dict[str, int], np.ndarray]:
    try:
        matrix = sp.load_npz(vdir / TFIDF_MATRIX_FILE).tocsr()
        meta = json.loads((vdir / TFIDF_VOCAB_FILE).read_text())
    except (OSError, ValueError, KeyError) as exc:
        raise BundleError(f"bundle {version}: cannot read the TF-IDF model: {exc}") from None
    vocab, idf = meta.get("vocabulary", {}), np.asarray(meta.get("idf", []), dtype=np.float64)
    if matrix.shape != (n, len(vocab)) or len(idf) != len(vocab):
        raise BundleError(
            f"bundle {version}: TF-IDF matrix {matrix.shape} does not match "
            f"{n} songs x {len(vocab)} terms"
        )
    return matrix, vocab, idf


# --------------------------------------------------------------------------- CURRENT pointer


def read_current(root: str | Path) -> str | None:
    try:
        version = (Path(root) / CURRENT_FILE).read_text().strip()
    except FileNotFoundError:
        return None
    if not _VERSION_RE.match(version):
        raise BundleError(f"{Path(root) / CURRENT_FILE} holds no valid version id")
    return version


def set_current(root: str | Path, version: str) -> None:
    """Atomically point ``CURRENT`` at ``version`` (write a temp file, fsync, rename)."""
    root = Path(root)
    if not (root / VERSIONS_DIR / version / MANIFEST_FILE).is_file():
        raise BundleError(f"cannot point CURRENT at {version}: no such published version")
    tmp = root / f".{CURRENT_FILE}.{uuid.uuid4().hex}"
    with open(tmp, "w") as fh:
        fh.write(version + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT_FILE)
    _fsync_dir(root)


def list_versions(root: str | Path) -> list[str]:
    vdir = Path(root) / VERSIONS_DIR
    if not vdir.is_dir():
        return []
    return sorted(p.name for p in vdir.iterdir() if p.is_dir() and not p.name.startswith("."))


def new_version_id() -> str:
    """Sortable by time, unique across processes."""
    now = dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


# --------------------------------------------------------------------------- helpers


def l2_normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
