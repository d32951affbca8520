"""Raw anime records from the configured source (demo snapshot or live scrape)."""

import dagster as dg

from animusic_assets.automation import rebuild_after_collection
from animusic_assets.defs.ingest.partitions import COLLECTED_STAGES
from animusic_assets.resources import AnimeSourceResource


@dg.asset(
    group_name="ingest",
    kinds={"python"},
    deps=COLLECTED_STAGES,
    automation_condition=rebuild_after_collection(),
    description="Anime with their songs, exactly as the source produced them (before "
    "cleaning). ANIMUSIC_MODE chooses the source: the demo snapshot, an "
    "Animusic CSV, or (live) every rank batch and single anime collected.",
)
def anime_records(
    context: dg.AssetExecutionContext, anime_source: AnimeSourceResource
) -> dg.MaterializeResult:
    records = anime_source.fetch_anime_records()
    if not records:
        raise dg.Failure(f"{anime_source.describe()} returned no anime")
    n_songs = sum(len(r.get("songs") or []) for r in records)
    context.log.info(
        "read %d anime and %d songs from %s", len(records), n_songs, anime_source.describe()
    )
    return dg.MaterializeResult(
        value=records,
        metadata={"anime": len(records), "songs": n_songs, "source": anime_source.describe()},
    )
