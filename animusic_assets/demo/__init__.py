"""The embedded demo snapshot: hand-written facts about real, well-known anime and their songs.

The ``anime_*.json`` files next to this module are package data. Each holds a JSON list of anime
records in the shape the live scrapers produce (MAL id, titles, genres, studios, and a ``songs``
list with relation, sequence, episodes, credits and links). Facts only: where an episode range or
an artist was not certain it is null / empty, MAL statistics are null, and every link is a
YouTube *search* URL with ``video_id`` null (no video id is ever invented).

Pure standard library: no Dagster import, so anything can read the snapshot.
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["SNAPSHOT_AS_OF", "load_snapshot", "snapshot_files"]

# When the hand-written facts hold (titles, songs, credits as aired up to this date).
SNAPSHOT_AS_OF = "2024-06"

_PATTERN_PREFIX, _PATTERN_SUFFIX = "anime_", ".json"


def snapshot_files(directory: Traversable | Path | None = None) -> list[Traversable | Path]:
    """The ``anime_*.json`` files of the snapshot, sorted by name."""
    root = directory if directory is not None else resources.files(__name__)
    return sorted(
        (
            entry
            for entry in root.iterdir()
            if entry.is_file()
            and entry.name.startswith(_PATTERN_PREFIX)
            and entry.name.endswith(_PATTERN_SUFFIX)
        ),
        key=lambda entry: entry.name,
    )


def load_snapshot(directory: Traversable | Path | None = None) -> list[dict]:
    """Every anime record of the snapshot, concatenated over the files and sorted by ``mal_id``.

    ``directory`` defaults to this package (read through ``importlib.resources``); tests pass a
    folder of their own. Raises ValueError naming the file when a file is not valid JSON, is not
    a list of objects, or repeats a ``mal_id`` already seen.
    """
    records: list[dict] = []
    seen: dict[int, str] = {}
    files = snapshot_files(directory)
    if not files:
        raise ValueError(f"no {_PATTERN_PREFIX}*{_PATTERN_SUFFIX} files in the demo snapshot")
    for entry in files:
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"demo snapshot file {entry.name}: malformed JSON: {exc}") from exc
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ValueError(
                f"demo snapshot file {entry.name}: expected a JSON list of anime objects"
            )
        for item in data:
            mal_id = item.get("mal_id")
            if not isinstance(mal_id, int):
                raise ValueError(
                    f"demo snapshot file {entry.name}: record without an integer mal_id"
                )
            if mal_id in seen:
                raise ValueError(
                    f"demo snapshot file {entry.name}: mal_id {mal_id} already in {seen[mal_id]}"
                )
            seen[mal_id] = entry.name
        records.extend(data)
    records.sort(key=lambda item: item["mal_id"])
    return records
