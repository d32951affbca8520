"""Which resources each runtime mode (``ANIMUSIC_MODE``) binds.

The mode only chooses what ``anime_records`` reads; every other resource, and the live
collection assets with their partitions, jobs and schedules, exist in every mode.
"""

import os
from collections.abc import Mapping

import dagster as dg

from animusic_assets.resources.anime_source import (
    AnimeSourceResource,
    AnimusicCsvSource,
    DemoSnapshotSource,
)
from animusic_assets.resources.live_sites import LiveSitesResource
from animusic_assets.resources.live_source import LiveAnimeSource
from animusic_assets.sources.animethemes_client import base_url as animethemes_base_url

MODES = ("snapshot", "csv", "live")


def ingest_data_dir(env: Mapping[str, str] = os.environ) -> str:
    """Where the live stages store pages and records ('' = the default under .data)."""
    return os.path.join(env["ANIMUSIC_DATA_DIR"], "ingest") if env.get("ANIMUSIC_DATA_DIR") else ""


def live_sites_from_env(env: Mapping[str, str] = os.environ) -> LiveSitesResource:
    return LiveSitesResource(mal_client_id=dg.EnvVar("MAL_CLIENT_ID"), data_dir=ingest_data_dir(env),
                             anidb_daily_cap=int(env.get("ANIMUSIC_ANIDB_DAILY_CAP", 200)),
                             animethemes_url=animethemes_base_url(env))


def live_anime_source(env: Mapping[str, str] = os.environ) -> LiveAnimeSource:
    """The ``anime_source`` for ANIMUSIC_MODE=live (reads the store the live assets write)."""
    return LiveAnimeSource(data_dir=ingest_data_dir(env))


def anime_source_for_mode(mode: str, env: Mapping[str, str] = os.environ) -> AnimeSourceResource:
    """``snapshot``: the embedded demo; ``csv``: the Animusic CSV at ANIMUSIC_CATALOG_CSV;
    ``live``: what the partitioned collection assets stored (defs/ingest)."""
    if mode == "snapshot":  # ANIMUSIC_DEMO_LINKS: the AnimeThemes links `make run` resolved
        return DemoSnapshotSource(animethemes_links=env.get("ANIMUSIC_DEMO_LINKS", ""))
    if mode == "csv":
        if not env.get("ANIMUSIC_CATALOG_CSV"):
            raise ValueError("ANIMUSIC_MODE=csv needs ANIMUSIC_CATALOG_CSV (path to the CSV)")
        return AnimusicCsvSource(path=env["ANIMUSIC_CATALOG_CSV"])
    if mode == "live":
        return live_anime_source(env)
    raise ValueError(f"ANIMUSIC_MODE={mode!r} is not supported (expected 'snapshot', 'csv' or 'live')")
