"""Which resources each runtime mode (``ANIMUSIC_MODE``) binds.

The mode only chooses what ``anime_records`` reads; every other resource, and the live
collection assets with their partitions, jobs and schedules, exist in every mode.
"""

from animusic_assets.resources.anime_source import (
    AnimeSourceResource,
    AnimusicCsvSource,
    DemoSnapshotSource,
)
from animusic_assets.resources.live_sites import LiveSitesResource
from animusic_assets.resources.live_source import LiveAnimeSource
from animusic_assets.resources.settings import AnimusicSettings, mal_client_id

MODES = ("snapshot", "csv", "live")


def live_sites_for(settings: AnimusicSettings) -> LiveSitesResource:
    return LiveSitesResource(
        mal_client_id=mal_client_id(),
        data_dir=str(settings.ingest_root()),
        anidb_daily_cap=settings.anidb_daily_cap,
        animethemes_url=settings.animethemes_url,
    )


def live_anime_source(settings: AnimusicSettings) -> LiveAnimeSource:
    """The ``anime_source`` for ANIMUSIC_MODE=live (reads the store the live assets write)."""
    return LiveAnimeSource(data_dir=str(settings.ingest_root()))


def anime_source_for_mode(
    mode: str, settings: AnimusicSettings | None = None
) -> AnimeSourceResource:
    """``snapshot``: the embedded demo; ``csv``: the Animusic CSV at ANIMUSIC_CATALOG_CSV;
    ``live``: what the partitioned collection assets stored (defs/ingest)."""
    settings = settings or AnimusicSettings()
    if mode == "snapshot":  # ANIMUSIC_DEMO_LINKS: the AnimeThemes links `make run` resolved
        return DemoSnapshotSource(animethemes_links=settings.demo_links)
    if mode == "csv":
        if not settings.catalog_csv:
            raise ValueError("ANIMUSIC_MODE=csv needs ANIMUSIC_CATALOG_CSV (path to the CSV)")
        return AnimusicCsvSource(path=settings.catalog_csv)
    if mode == "live":
        return live_anime_source(settings)
    raise ValueError(
        f"ANIMUSIC_MODE={mode!r} is not supported (expected 'snapshot', 'csv' or 'live')"
    )
