"""Page cache keyed by URL: one JSON file per page with its fetch time, written atomically.

Freshness is per source (a MAL page for a month, YouTube stats for weeks); only pages the
caller accepted are stored, so ban and error pages never reach the cache. No Dagster here.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


class PageCache:
    def __init__(self, root: str | Path, clock: Callable[[], float] = time.time):
        self.root, self.clock = Path(root), clock

    def _path(self, url: str) -> Path:
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.root / digest[:2] / f"{digest}.json"

    def get(self, url: str, max_age_s: float | None) -> dict | None:
        """``{url, fetched_at, status, body}`` when cached and fresh enough, else None."""
        path = self._path(url)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if entry.get("url") != url:
            return None
        if max_age_s is not None and self.clock() - entry["fetched_at"] > max_age_s:
            return None
        return entry

    def put(self, url: str, body: str, status: int = 200, fetched_at: float | None = None) -> dict:
        entry = {
            "url": url,
            "fetched_at": fetched_at or self.clock(),
            "status": status,
            "body": body,
        }
        write_json_atomic(self._path(url), entry)
        return entry


def write_json_atomic(path: Path, payload: object) -> None:
    """Write to a temp file in the same directory, fsync, rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
