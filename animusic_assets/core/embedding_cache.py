"""On-disk cache of document embeddings: one SQLite file per model, vectors as float32 BLOBs.

A row is keyed by ``(variant, sha256 of the document text)``. The *variant* names everything
that changes a vector besides the text: the model, a fingerprint of its weight files, the
numeric backend (``torch-fp32``, ``onnx-fp32``, ``torch-bf16`` …) and the max sequence length.
So a new partition only embeds new or changed documents, and new weights or settings never
reuse stale vectors.

No pickles: a BLOB is the raw little-endian float32 bytes plus a CRC32. Concurrency: SQLite
transactions (WAL journal, busy timeout), so two runs that write at once neither corrupt the
file nor lose each other's rows. Damage is never fatal: a file that is not a readable SQLite
database is moved aside and rebuilt, and a row whose bytes fail the length, CRC, finiteness or
unit-norm check counts as a miss and is re-embedded and overwritten.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_CACHE_DIR = ".data/cache"
_SCHEMA_VERSION = 1
_CHUNK = 500  # SQLite's default limit on host parameters is 999 (older builds)
_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_cache_dir() -> Path:
    return Path(os.environ.get("ANIMUSIC_CACHE_DIR") or DEFAULT_CACHE_DIR)


@dataclass
class CacheLookup:
    vectors: dict[str, np.ndarray]  # text sha256 -> float32 unit vector
    corrupt: int = 0  # rows present but unusable (re-embedded)


class EmbeddingCache:
    """``root/embeddings/<model>.sqlite3`` for vectors, ``root/onnx/`` for exported graphs.

    ``onnx_dir`` may point elsewhere (tests share one exported graph across caches).
    """

    def __init__(
        self, root: str | os.PathLike | None = None, onnx_dir: str | os.PathLike | None = None
    ):
        self.root = Path(root) if root is not None else default_cache_dir()
        self.vectors_dir = self.root / "embeddings"
        self.onnx_dir = Path(onnx_dir) if onnx_dir is not None else self.root / "onnx"
        self.rebuilt: list[str] = []  # files moved aside as corrupt, for reporting
        self._checked: set[Path] = set()  # files that passed quick_check in this process

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.root)!r})"

    # ---- public API -----------------------------------------------------------------------

    def path_for(self, model: str) -> Path:
        return self.vectors_dir / f"{_SLUG.sub('_', model)}.sqlite3"

    def get_many(self, model: str, variant: str, keys: Iterable[str], dim: int) -> CacheLookup:
        keys = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        corrupt = 0
        if not keys:
            return CacheLookup(found)
        try:
            with self._connect(model) as conn:
                for start in range(0, len(keys), _CHUNK):
                    chunk = keys[start : start + _CHUNK]
                    rows = conn.execute(
                        f"SELECT doc_sha256, dim, crc, vec FROM vectors WHERE variant = ? AND "
                        f"doc_sha256 IN ({','.join('?' * len(chunk))})",
                        [variant, *chunk],
                    )
                    for key, row_dim, crc, blob in rows:
                        vector = _decode(blob, row_dim, crc, dim)
                        if vector is None:
                            corrupt += 1
                        else:
                            found[key] = vector
        except (sqlite3.Error, OSError) as exc:  # unreadable now: embed everything
            log.warning(
                "embedding cache %s unreadable (%s); treating every row as a miss",
                self.path_for(model),
                exc,
            )
            return CacheLookup({}, corrupt=0)
        return CacheLookup(found, corrupt)

    def put_many(self, model: str, variant: str, keys: list[str], vectors: np.ndarray) -> bool:
        """Store rows (replacing any with the same key) in one transaction; False if it failed."""
        vectors = np.ascontiguousarray(vectors, dtype="<f4")
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys for {len(vectors)} vectors")
        if not keys:
            return True
        now = time.time()
        rows = []
        for key, vector in zip(keys, vectors, strict=True):
            blob = vector.tobytes()
            rows.append((variant, key, int(vector.shape[0]), zlib.crc32(blob), blob, now))
        for attempt in (1, 2):
            try:
                with self._connect(model) as conn:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        conn.executemany(
                            "INSERT OR REPLACE INTO vectors (variant, doc_sha256, dim, crc, vec, "
                            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                            rows,
                        )
                        conn.execute("COMMIT")
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                return True
            except (sqlite3.Error, OSError) as exc:  # never fatal: the vectors are still returned
                if attempt == 1 and isinstance(exc, sqlite3.DatabaseError) and _looks_corrupt(exc):
                    self._move_aside(model, str(exc))
                    continue
                log.warning(
                    "could not write %d vectors to %s: %s", len(rows), self.path_for(model), exc
                )
                return False
        return False

    def count(self, model: str, variant: str | None = None) -> int:
        with self._connect(model) as conn:
            if variant is None:
                return conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
            return conn.execute(
                "SELECT COUNT(*) FROM vectors WHERE variant = ?", (variant,)
            ).fetchone()[0]

    def prune(self, model: str, keep_variant: str) -> int:
        """Delete rows of every other variant (old weights or settings); returns rows deleted."""
        with self._connect(model) as conn:
            cur = conn.execute("DELETE FROM vectors WHERE variant != ?", (keep_variant,))
            return cur.rowcount

    # ---- internals ------------------------------------------------------------------------

    def _connect(self, model: str) -> _Connection:
        return _Connection(self, model)

    def _open(self, model: str) -> sqlite3.Connection:
        path = self.path_for(model)
        path.parent.mkdir(parents=True, exist_ok=True)
        for attempt in (1, 2):
            conn = None
            try:
                conn = sqlite3.connect(path, timeout=120, isolation_level=None)
                conn.execute("PRAGMA busy_timeout = 120000")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                if path not in self._checked:
                    check = conn.execute("PRAGMA quick_check").fetchone()[0]
                    if check != "ok":
                        raise sqlite3.DatabaseError(f"quick_check: {check}")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS vectors (variant TEXT NOT NULL, "
                    "doc_sha256 TEXT NOT NULL, dim INTEGER NOT NULL, crc INTEGER NOT NULL, "
                    "vec BLOB NOT NULL, created_at REAL NOT NULL, "
                    "PRIMARY KEY (variant, doc_sha256)) WITHOUT ROWID"
                )
                conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                conn.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                    (str(_SCHEMA_VERSION),),
                )
                self._checked.add(path)
                return conn
            except sqlite3.DatabaseError as exc:
                if conn is not None:
                    conn.close()
                if attempt == 1 and _looks_corrupt(exc):
                    self._move_aside(model, str(exc))
                    continue
                raise
        raise AssertionError("unreachable")

    def _move_aside(self, model: str, reason: str) -> None:
        path = self.path_for(model)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{os.getpid()}")
        log.warning(
            "embedding cache %s is damaged (%s); moved to %s and rebuilding",
            path,
            reason,
            target.name,
        )
        self._checked.discard(path)
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(path) + suffix)
            if src.exists():
                try:
                    os.replace(src, Path(str(target) + suffix))
                except FileNotFoundError:  # another process moved it first
                    pass
        self.rebuilt.append(str(target))


class _Connection:
    def __init__(self, cache: EmbeddingCache, model: str):
        self.cache, self.model = cache, model
        self.conn: sqlite3.Connection | None = None

    def __enter__(self) -> sqlite3.Connection:
        self.conn = self.cache._open(self.model)
        return self.conn

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()


def _looks_corrupt(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(
        s in text
        for s in (
            "not a database",
            "malformed",
            "quick_check",
            "corrupt",
            "file is encrypted",
            "disk image",
        )
    )


def _decode(blob: object, row_dim: object, crc: object, want_dim: int) -> np.ndarray | None:
    if (
        not isinstance(blob, (bytes, bytearray, memoryview))
        or row_dim != want_dim
        or len(blob) != 4 * want_dim
        or zlib.crc32(blob) != crc
    ):
        return None
    vector = np.frombuffer(blob, dtype="<f4").astype(np.float32)
    if not np.isfinite(vector).all() or abs(float(vector @ vector) - 1.0) > 1e-3:
        return None
    return vector
