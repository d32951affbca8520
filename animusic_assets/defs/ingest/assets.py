"""Raw anime records from the configured source (demo snapshot or live scrape)."""

import dagster as dg

from animusic_assets.resources import AnimeSourceResource


@dg.asset(group_name="ingest", kinds={"python"})
def anime_records(context: dg.AssetExecutionContext, anime_source: AnimeSourceResource) -> dg.MaterializeResult:
    """Anime with their songs, exactly as the source produced them (before cleaning)."""
    records = anime_source.fetch_anime_records()
    if not records:
        raise dg.Failure(f"{anime_source.describe()} returned no anime")
    n_songs = sum(len(r.get("songs") or []) for r in records)
    context.log.info("read %d anime and %d songs from %s", len(records), n_songs, anime_source.describe())
    return dg.MaterializeResult(
        value=records,
        metadata={"anime": len(records), "songs": n_songs, "source": anime_source.describe()},
    )
