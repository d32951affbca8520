"""Writing a model bundle: ``BundleBuilder`` collects songs and models, then publishes one
version (the format, the reader and the ``CURRENT`` pointer are in ``bundle.py``).

This module imports neither Dagster, FastAPI nor SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from animusic_serving.bundle import (
    _MODEL_NAME_RE,
    _VERSION_RE,
    MANIFEST_FILE,
    REQUIRED_SONG_COLUMNS,
    SCHEMA_VERSION,
    SONGS_FILE,
    TFIDF_MATRIX_FILE,
    TFIDF_VOCAB_FILE,
    VERSIONS_DIR,
    Bundle,
    BundleError,
    _fsync_dir,
    _sha256,
    anime_model_files,
    coarse_files,
    knn_files,
    l2_normalise,
    load_bundle,
    new_version_id,
    set_current,
)


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
        self._anime_models: dict[str, dict[str, np.ndarray]] = {}

    @property
    def n_songs(self) -> int:
        return len(self.songs)

    def _check_name(self, name: str) -> None:
        if not _MODEL_NAME_RE.match(name):
            raise BundleError(f"invalid model name {name!r}")
        if name in self._models:
            raise BundleError(f"model {name!r} added twice")

    def add_dense(
        self,
        name: str,
        matrix: np.ndarray,
        params: dict | None = None,
        metrics: dict | None = None,
        neighbours: int = 0,
        coarse: int = 0,
    ) -> None:
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
        self._models[name] = _ModelEntry(
            "dense", params, metrics or {}, dim=matrix.shape[1], files=files
        )

    def _add_neighbours(self, name: str, matrix: Any, k: int, params: dict) -> list[str]:
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

    def add_tfidf(
        self,
        matrix: sp.spmatrix,
        vocabulary: dict[str, int],
        idf: np.ndarray,
        params: dict | None = None,
        metrics: dict | None = None,
        neighbours: int = 0,
    ) -> None:
        """The TF-IDF model: sparse rows (L2-normalised) plus what is needed to embed new text;
        ``neighbours`` as in ``add_dense``."""
        self._check_name("tfidf")
        matrix = sp.csr_matrix(matrix, dtype=np.float32)
        if matrix.shape != (self.n_songs, len(vocabulary)) or len(idf) != len(vocabulary):
            raise BundleError(
                f"tfidf: matrix {matrix.shape} does not match {self.n_songs} songs "
                f"x {len(vocabulary)} terms"
            )
        if not np.isfinite(matrix.data).all():
            raise BundleError("tfidf: matrix contains NaN or inf")
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix = sp.csr_matrix(sp.diags(1.0 / norms) @ matrix, dtype=np.float32)
        self._tfidf = (
            matrix,
            {str(k): int(v) for k, v in vocabulary.items()},
            np.asarray(idf, dtype=np.float64),
        )
        params = dict(params or {})
        files = [
            TFIDF_MATRIX_FILE,
            TFIDF_VOCAB_FILE,
            *self._add_neighbours("tfidf", matrix, neighbours, params),
        ]
        self._models["tfidf"] = _ModelEntry(
            "tfidf", params, metrics or {}, dim=len(vocabulary), files=files
        )

    def add_scores(
        self, name: str, scores: np.ndarray, params: dict | None = None, metrics: dict | None = None
    ) -> None:
        """A model that is one score per song (higher first), e.g. popularity."""
        self._check_name(name)
        scores = np.asarray(scores, dtype=np.float32)
        if scores.shape != (self.n_songs,) or not np.isfinite(scores).all():
            raise BundleError(f"{name}: expected {self.n_songs} finite scores, got {scores.shape}")
        self._arrays[name] = scores
        self._models[name] = _ModelEntry(
            "scores", params or {}, metrics or {}, files=[f"{name}.scores.npy"]
        )

    def add_anime_model(
        self,
        name: str,
        anime_ids: np.ndarray,
        *,
        weights: np.ndarray | None = None,
        knn: tuple[np.ndarray, np.ndarray] | None = None,
        params: dict | None = None,
        metrics: dict | None = None,
    ) -> None:
        """An anime-to-anime model (e.g. ``lists``, ``recommend/lists.py``): MAL ids and
        either the whole (n, n) weight matrix or each anime's top-k (columns, weights)."""
        self._check_name(name)
        ids = np.asarray(anime_ids, dtype=np.int64)
        n = len(ids)
        if ids.ndim != 1 or len(np.unique(ids)) != n:
            raise BundleError(f"{name}: anime ids must be a 1-d array of distinct MAL ids")
        if (weights is None) == (knn is None):
            raise BundleError(f"{name}: give either dense weights or top-k rows, not both")
        params = {**(params or {}), "anime": n}
        arrays: dict[str, np.ndarray]
        if weights is not None:
            arrays = {"anime_ids": ids, "weights": np.asarray(weights, dtype=np.float32)}
            if arrays["weights"].shape != (n, n):
                raise BundleError(
                    f"{name}: expected ({n}, {n}) weights, got {arrays['weights'].shape}"
                )
            params["storage"] = "dense"
        else:
            assert knn is not None
            rows, values = np.asarray(knn[0], dtype=np.int32), np.asarray(knn[1], np.float32)
            if (
                rows.ndim != 2
                or rows.shape[0] != n
                or rows.shape != values.shape
                or (rows.size and (rows.min() < 0 or rows.max() >= n))
            ):
                raise BundleError(f"{name}: top-k rows must be (n, k) columns in [0, {n})")
            arrays = {"anime_ids": ids, "knn_rows": rows, "knn_weights": values}
            params.update(storage="top_k", top_k=int(rows.shape[1]))
        if not all(np.isfinite(a).all() for a in arrays.values()):
            raise BundleError(f"{name}: weights contain NaN or inf")
        self._anime_models[name] = arrays
        self._models[name] = _ModelEntry(
            "anime_weights", params, metrics or {}, files=anime_model_files(name, params["storage"])
        )

    def add_model(
        self,
        name: str,
        kind: str = "sampler",
        params: dict | None = None,
        metrics: dict | None = None,
    ) -> None:
        """A model with no stored array (e.g. ``random``)."""
        self._check_name(name)
        self._models[name] = _ModelEntry(kind, params or {}, metrics or {})

    def set_metrics(self, name: str, metrics: dict) -> None:
        self._models[name].metrics.update(metrics)

    def as_bundle(self) -> Bundle:
        """An in-memory, unpublished view with the same shape a loaded bundle has, so the
        offline evaluation and hybrid tuning can run the serving code before publishing."""
        models = {
            name: {
                "kind": m.kind,
                "dim": m.dim,
                "params": m.params,
                "metrics": m.metrics,
                "files": m.files,
            }
            for name, m in self._models.items()
        }
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "version": "unpublished",
            "n_songs": self.n_songs,
            "models": models,
        }
        dense = {n: a for n, a in self._arrays.items() if self._models[n].kind == "dense"}
        scores = {n: a for n, a in self._arrays.items() if self._models[n].kind == "scores"}
        tfidf, vocab, idf = self._tfidf if self._tfidf else (None, {}, None)
        row_by_song = {str(s): i for i, s in enumerate(self.songs["song_id"].tolist())}
        return Bundle(
            Path("."),
            "unpublished",
            manifest,
            self.songs,
            dense,
            scores,
            tfidf,
            vocab,
            idf,
            row_by_song,
            dict(self._neighbours),
            dict(self._coarse),
            dict(self._anime_models),
        )

    def publish(
        self,
        root: str | Path,
        catalog_hash: str,
        version: str | None = None,
        extra: dict | None = None,
    ) -> str:
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
        for name, anime_arrays in self._anime_models.items():
            for file, array in zip(self._models[name].files, anime_arrays.values(), strict=True):
                np.save(out / file, array, allow_pickle=False)
        for name, (knn_rows, knn_sims) in self._neighbours.items():
            rows_file, sims_file = knn_files(name)
            np.save(out / rows_file, knn_rows, allow_pickle=False)
            np.save(out / sims_file, knn_sims, allow_pickle=False)
        for name, arrays in self._coarse.items():
            for file, array in zip(coarse_files(name), arrays, strict=True):
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
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "catalog_hash": catalog_hash,
            "n_songs": self.n_songs,
            "models": {
                name: {
                    "kind": m.kind,
                    "dim": m.dim,
                    "params": m.params,
                    "metrics": m.metrics,
                    "files": m.files,
                }
                for name, m in self._models.items()
            },
            "checksums": {f: _sha256(out / f) for f in files},
            **extra,
        }


def _write_json(path: Path, obj: Any) -> None:
    with open(path, "w") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
