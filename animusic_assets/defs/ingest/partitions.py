"""Partitions of the live ingest: static batches of the top-N MAL anime by rank, plus single ids."""

import dagster as dg

DEFAULT_TOP_N = 1500
DEFAULT_BATCH_SIZE = 50
SINGLE_ANIME = dg.DynamicPartitionsDefinition(name="single_anime")

# the last stage of each collection path: anime_records (unpartitioned) depends on every
# partition of these, so the catalog changes once per finished collection, not per batch
COLLECTED_STAGES = [
    dg.AssetKey("youtube_links"),
    dg.AssetKey("animethemes_links"),
    dg.AssetKey("single_anime"),
]


def rank_batch_keys(top_n: int = DEFAULT_TOP_N, batch_size: int = DEFAULT_BATCH_SIZE) -> list[str]:
    """``["0001-0050", "0051-0100", …]`` covering ranks 1..top_n."""
    return [
        f"{first:04d}-{min(first + batch_size - 1, top_n):04d}"
        for first in range(1, top_n + 1, batch_size)
    ]


def parse_batch_key(key: str) -> tuple[int, int]:
    first, last = key.split("-")
    return int(first), int(last)


def rank_batches(
    top_n: int | None = None, batch_size: int | None = None
) -> dg.StaticPartitionsDefinition:
    top_n = top_n or DEFAULT_TOP_N  # the configured values come from AnimusicSettings
    batch_size = batch_size or DEFAULT_BATCH_SIZE
    return dg.StaticPartitionsDefinition(rank_batch_keys(top_n, batch_size))
