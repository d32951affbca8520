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

No pickles anywhere: everything is numpy, parquet or JSON, so a bundle can be read by any
process and memory-mapped. Publishing writes a complete version directory under a temporary
name, renames it into place, verifies it, and only then replaces ``CURRENT`` atomically, so a
reader never sees a half-written version.

This module imports neither Dagster, FastAPI nor SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import uuid
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


def coarse_files(model: str) -> tuple[str, str]:
    """The files of a model's coarse vectors: (vectors, basis)."""
    return f"{model}.coarse.npy", f"{model}.coarse_basis.npy"


REQUIRED_SONG_COLUMNS = ("song_id", "anime_id", "relation", "title", "anime_title")
_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_MODEL_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class BundleError(RuntimeError):
    """A bundle is missing, incomplete or corrupt. The message is one line, safe to show."""


# --------------------------------------------------------------------------- writing


@dataclass
class _ModelEntry:
    kind: str  # dense | tfidf | scores | sampler
    params: dict[str, Any]
    metrics: dict[str, Any]
    dim: int | None = None
    files: list[str] = field(default_factory=list)


class BundleBuilder:
    """Collects a catalog's songs and its models, then publishes them as one version."""

    def __init__(self, songs: pd.DataFrame):
        missing = [c for c in REQUIRED_SONG_COLUMNS if c not in songs.columns]
        if missing:
            raise BundleError(f"songs table lacks columns: {', '.join(missing)}")
        if songs["song_id"].duplicated().any():
            dup = songs.loc[songs["song_id"].duplicated(), "song_id"].iloc[0]
            raise BundleError(f"songs table has duplicate song_id {dup!r}")
        self.songs = songs.reset_index(drop=True)
        self._models: dict[str, _ModelEntry] = {}
        self._arrays: dict[str, np.ndarray] = {}
        self._neighbours: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._coarse: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._tfidf: tuple[sp.csr_matrix, dict[str, int], np.ndarray] | None = None

    @property
    def n_songs(self) -> int:
        return len(self.songs)

    def _check_name(self, name: str) -> None:
        if not _MODEL_NAME_RE.match(name):
            raise BundleError(f"invalid model name {name!r}")
        if name in self._models:
            raise BundleError(f"model {name!r} added twice")

    def add_dense(self, name: str, matrix: np.ndarray, params: dict | None = None,
                  metrics: dict | None = None, neighbours: int = 0, coarse: int = 0) -> None:
        """A dense model: one vector per song, stored float32 and L2-normalised.

        ``neighbours`` > 0 also stores each row's that many nearest rows
        (``recommend/neighbours.py``); the manifest's params record it as ``knn``.
        ``coarse`` > 0 (and below the dimension) also stores the rows projected onto that many
        principal directions (``recommend/coarse.py``), params ``coarse_dims``."""
        self._check_name(name)
        matrix = np.asarray(matrix, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != self.n_songs:
            raise BundleError(f"{name}: expected ({self.n_songs}, d) vectors, got {matrix.shape}")
        if not np.isfinite(matrix).all():
            raise BundleError(f"{name}: vectors contain NaN or inf")
        self._arrays[name] = l2_normalise(matrix)
        params = dict(params or {})
        files = [f"{name}.npy", *self._add_neighbours(name, self._arrays[name], neighbours, params)]
        if coarse < 0:
            raise BundleError(f"{name}: coarse must be >= 0, got {coarse}")
        if 0 < coarse < matrix.shape[1]:
            from animusic_serving.recommend.coarse import coarse_basis, project

            basis = coarse_basis(self._arrays[name], coarse)
            self._coarse[name] = (project(self._arrays[name], basis), basis)
            params["coarse_dims"] = int(basis.shape[1])
            files += list(coarse_files(name))
        self._models[name] = _ModelEntry("dense", params, metrics or {}, dim=matrix.shape[1],
                                         files=files)

    def _add_neighbours(self, name: str, matrix, k: int, params: dict) -> list[str]:
        """Each row's ``k`` nearest rows (``recommend/neighbours.py``), recorded in ``params``
        as ``knn``; returns the files they will be written to."""
        if k < 0:
            raise BundleError(f"{name}: neighbours must be >= 0, got {k}")
        if not k or self.n_songs < 2:
            return []
        from animusic_serving.recommend.neighbours import top_neighbours

        self._neighbours[name] = top_neighbours(matrix, k)
        params["knn"] = int(self._neighbours[name][0].shape[1])
        return list(knn_files(name))

    def add_tfidf(self, matrix: sp.spmatrix, vocabulary: dict[str, int], idf: np.ndarray,
                  params: dict | None = None, metrics: dict | None = None,
                  neighbours: int = 0) -> None:
        """The TF-IDF model: sparse rows (L2-normalised) plus what is needed to embed new text;
        ``neighbours`` as in ``add_dense``."""
        self._check_name("tfidf")
        matrix = sp.csr_matrix(matrix, dtype=np.float32)
        if matrix.shape != (self.n_songs, len(vocabulary)) or len(idf) != len(vocabulary):
            raise BundleError(f"tfidf: matrix {matrix.shape} does not match {self.n_songs} songs "
                              f"x {len(vocabulary)} terms")
        if not np.isfinite(matrix.data).all():
            raise BundleError("tfidf: matrix contains NaN or inf")
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix = sp.csr_matrix(sp.diags(1.0 / norms) @ matrix, dtype=np.float32)
        self._tfidf = (matrix, {str(k): int(v) for k, v in vocabulary.items()},
                       np.asarray(idf, dtype=np.float64))
        params = dict(params or {})
        files = [TFIDF_MATRIX_FILE, TFIDF_VOCAB_FILE,
                 *self._add_neighbours("tfidf", matrix, neighbours, params)]
        self._models["tfidf"] = _ModelEntry("tfidf", params, metrics or {},
                                            dim=len(vocabulary), files=files)

    def add_scores(self, name: str, scores: np.ndarray, params: dict | None = None,
                   metrics: dict | None = None) -> None:
        """A model that is one score per song (higher first), e.g. popularity."""
        self._check_name(name)
        scores = np.asarray(scores, dtype=np.float32)
        if scores.shape != (self.n_songs,) or not np.isfinite(scores).all():
            raise BundleError(f"{name}: expected {self.n_songs} finite scores, got {scores.shape}")
        self._arrays[name] = scores
        self._models[name] = _ModelEntry("scores", params or {}, metrics or {},
                                         files=[f"{name}.scores.npy"])

    def add_model(self, name: str, kind: str = "sampler", params: dict | None = None,
                  metrics: dict | None = None) -> None:
        """A model with no stored array (e.g. ``random``)."""
        self._check_name(name)
        self._models[name] = _ModelEntry(kind, params or {}, metrics or {})

    def set_metrics(self, name: str, metrics: dict) -> None:
        self._models[name].metrics.update(metrics)

    def as_bundle(self) -> "Bundle":
        """An in-memory, unpublished view with the same shape a loaded bundle has, so the
        offline evaluation and hybrid tuning can run the serving code before publishing."""
        models = {name: {"kind": m.kind, "dim": m.dim, "params": m.params, "metrics": m.metrics,
                         "files": m.files} for name, m in self._models.items()}
        manifest = {"schema_version": SCHEMA_VERSION, "version": "unpublished",
                    "n_songs": self.n_songs, "models": models}
        dense = {n: a for n, a in self._arrays.items() if self._models[n].kind == "dense"}
        scores = {n: a for n, a in self._arrays.items() if self._models[n].kind == "scores"}
        tfidf, vocab, idf = self._tfidf if self._tfidf else (None, {}, None)
        row_by_song = {str(s): i for i, s in enumerate(self.songs["song_id"].tolist())}
        return Bundle(Path("."), "unpublished", manifest, self.songs, dense, scores, tfidf,
                      vocab, idf, row_by_song, dict(self._neighbours), dict(self._coarse))

    def publish(self, root: str | Path, catalog_hash: str, version: str | None = None,
                extra: dict | None = None) -> str:
        """Write a complete new version, verify it, then point ``CURRENT`` at it."""
        root = Path(root)
        version = version or new_version_id()
        if not _VERSION_RE.match(version):
            raise BundleError(f"invalid version id {version!r}")
        versions = root / VERSIONS_DIR
        versions.mkdir(parents=True, exist_ok=True)
        final = versions / version
        if final.exists():
            raise BundleError(f"version {version} already exists")
        staging = Path(tempfile.mkdtemp(prefix=f".{version}.tmp-", dir=versions))
        try:
            self._write_files(staging)
            manifest = self._manifest(staging, version, catalog_hash, extra or {})
            _write_json(staging / MANIFEST_FILE, manifest)
            _fsync_dir(staging)
            os.rename(staging, final)
        except BaseException:
            _remove_tree(staging)
            raise
        _fsync_dir(versions)
        load_bundle(root, version, verify=True)  # refuse to point CURRENT at a bad version
        set_current(root, version)
        return version

    def _write_files(self, out: Path) -> None:
        self.songs.to_parquet(out / SONGS_FILE, index=False)
        for name, array in self._arrays.items():
            np.save(out / self._models[name].files[0], array, allow_pickle=False)
        for name, (knn_rows, knn_sims) in self._neighbours.items():
            rows_file, sims_file = knn_files(name)
            np.save(out / rows_file, knn_rows, allow_pickle=False)
            np.save(out / sims_file, knn_sims, allow_pickle=False)
        for name, arrays in self._coarse.items():
            for file, array in zip(coarse_files(name), arrays):
                np.save(out / file, array, allow_pickle=False)
        if self._tfidf is not None:
            matrix, vocabulary, idf = self._tfidf
            sp.save_npz(out / TFIDF_MATRIX_FILE, matrix, compressed=False)
            _write_json(out / TFIDF_VOCAB_FILE, {"vocabulary": vocabulary, "idf": idf.tolist()})

    def _manifest(self, out: Path, version: str, catalog_hash: str, extra: dict) -> dict:
        files = [SONGS_FILE] + [f for m in self._models.values() for f in m.files]
        return {
            "schema_version": SCHEMA_VERSION,
            "version": version,
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "catalog_hash": catalog_hash,
            "n_songs": self.n_songs,
            "models": {
                name: {"kind": m.kind, "dim": m.dim, "params": m.params, "metrics": m.metrics,
                       "files": m.files}
                for name, m in self._models.items()
            },
            "checksums": {f: _sha256(out / f) for f in files},
            **extra,
        }


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
    _derived: dict[str, Any] = field(repr=False, default_factory=dict)

    def derived(self, key: str, compute):
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
        raise BundleError(f"bundle {version}: {n} songs but the manifest says {manifest.get('n_songs')}")

    dense, scores, neighbours, coarse = {}, {}, {}, {}
    tfidf, vocab, idf = None, {}, None
    for name, meta in manifest["models"].items():
        kind = meta.get("kind")
        if kind == "dense":
            dense[name] = _load_array(vdir, meta["files"][0], version, (n, meta["dim"]))
            k = meta.get("params", {}).get("coarse_dims")
            if k:
                vectors_file, basis_file = coarse_files(name)
                coarse[name] = (_load_array(vdir, vectors_file, version, (n, k)),
                                _load_array(vdir, basis_file, version, (meta["dim"], k)))
        elif kind == "scores":
            scores[name] = _load_array(vdir, meta["files"][0], version, (n,))
        elif kind == "tfidf":
            tfidf, vocab, idf = _load_tfidf(vdir, version, n)
        k = meta.get("params", {}).get("knn")
        if k and kind in ("dense", "tfidf"):
            rows_file, sims_file = knn_files(name)
            neighbours[name] = (_load_array(vdir, rows_file, version, (n, k), np.int32),
                                _load_array(vdir, sims_file, version, (n, k)))
    row_by_song = {str(s): i for i, s in enumerate(songs["song_id"].tolist())}
    return Bundle(root, version, manifest, songs, dense, scores, tfidf, vocab, idf, row_by_song,
                  neighbours, coarse)


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


def _load_array(vdir: Path, name: str, version: str, shape: tuple,
                dtype: type = np.float32) -> np.ndarray:
    try:
        array = np.load(vdir / name, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise BundleError(f"bundle {version}: cannot read {name}: {exc}") from None
    if array.shape != shape or array.dtype != dtype:
        raise BundleError(f"bundle {version}: {name} has shape {array.shape} {array.dtype}, "
                          f"expected {shape} {np.dtype(dtype).name}")
    return array


def _load_tfidf(vdir: Path, version: str, n: int):
    try:
        matrix = sp.load_npz(vdir / TFIDF_MATRIX_FILE).tocsr()
        meta = json.loads((vdir / TFIDF_VOCAB_FILE).read_text())
    except (OSError, ValueError, KeyError) as exc:
        raise BundleError(f"bundle {version}: cannot read the TF-IDF model: {exc}") from None
    vocab, idf = meta.get("vocabulary", {}), np.asarray(meta.get("idf", []), dtype=np.float64)
    if matrix.shape != (n, len(vocab)) or len(idf) != len(vocab):
        raise BundleError(f"bundle {version}: TF-IDF matrix {matrix.shape} does not match "
                          f"{n} songs x {len(vocab)} terms")
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
    now = dt.datetime.now(dt.timezone.utc)
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


def _write_json(path: Path, obj: Any) -> None:
    with open(path, "w") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
