"""The durable store of parsed ingest results: one JSON file per (stage, anime), atomic writes.

Layout under the root (``$ANIMUSIC_DATA_DIR/ingest`` or ``.data/ingest``)::

    ranking.json                 [{mal_id, rank, title}] of the top N, with fetched_at
    mal_details/<mal_id>.json    parsed MAL API details
    mal_page/<mal_id>.json       titles + AniDB id from the MAL page
    anidb/<mal_id>.json          tags + songs with credits
    youtube/<mal_id>.json        links per song key
"""

from __future__ import annotations

import json
from pathlib import Path

from animusic_assets.sources.page_cache import write_json_atomic

STAGES = ("mal_details", "mal_page", "anidb", "youtube")


def default_data_root() -> Path:
    """Where a store without a configured root lives; the code location always configures one
    (AnimusicSettings.ingest_root: $ANIMUSIC_DATA_DIR/ingest)."""
    return Path(".data") / "ingest"


class IngestStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def put(self, stage: str, mal_id: int, payload: dict) -> None:
        write_json_atomic(self.root / stage / f"{int(mal_id)}.json", payload)

    def get(self, stage: str, mal_id: int) -> dict | None:
        try:
            return json.loads(
                (self.root / stage / f"{int(mal_id)}.json").read_text(encoding="utf-8")
            )
        except (OSError, ValueError):
            return None

    def mal_ids(self, stage: str = "mal_details") -> list[int]:
        folder = self.root / stage
        return (
            sorted(int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit())
            if folder.exists()
            else []
        )

    def put_ranking(self, entries: list[dict], fetched_at: float) -> None:
        write_json_atomic(
            self.root / "ranking.json", {"fetched_at": fetched_at, "entries": entries}
        )

    def ranking(self) -> list[dict]:
        try:
            return json.loads((self.root / "ranking.json").read_text(encoding="utf-8"))["entries"]
        except (OSError, ValueError, KeyError):
            return []

    def ids_for_ranks(self, first: int, last: int) -> list[int]:
        return [e["mal_id"] for e in self.ranking() if e.get("rank") and first <= e["rank"] <= last]
