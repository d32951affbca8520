"""Live-ingest wiring, merged into the code location by ``animusic_assets/definitions.py``:

    defs = dg.Definitions.merge(defs, ingest_definitions(mode))

Only ``live`` mode adds anything (the snapshot and CSV graphs stay exactly as they are).
"""

import os

import dagster as dg

from animusic_assets.defs.ingest.live_assets import build_live_assets
from animusic_assets.defs.ingest.partitions import DEFAULT_BATCH_SIZE, DEFAULT_TOP_N, rank_batches
from animusic_assets.defs.ingest.schedules import build_jobs_and_schedules
from animusic_assets.resources.live_sites import LiveSitesResource
from animusic_assets.resources.live_source import LiveAnimeSource
from animusic_assets.sources.animethemes_client import base_url as animethemes_base_url


def live_sites_from_env(env=os.environ) -> LiveSitesResource:
    return LiveSitesResource(mal_client_id=dg.EnvVar("MAL_CLIENT_ID"),
                             data_dir=os.path.join(env["ANIMUSIC_DATA_DIR"], "ingest") if env.get("ANIMUSIC_DATA_DIR") else "",
                             anidb_daily_cap=int(env.get("ANIMUSIC_ANIDB_DAILY_CAP", 200)),
                             animethemes_url=animethemes_base_url(env))


def live_anime_source(env=os.environ) -> LiveAnimeSource:
    """The ``anime_source`` for ANIMUSIC_MODE=live (reads the same store the live assets write)."""
    return LiveAnimeSource(data_dir=os.path.join(env["ANIMUSIC_DATA_DIR"], "ingest") if env.get("ANIMUSIC_DATA_DIR") else "")


def ingest_definitions(mode: str, env=os.environ, live_sites: LiveSitesResource | None = None,
                       top_n: int | None = None, batch_size: int | None = None) -> dg.Definitions:
    if mode != "live":
        return dg.Definitions()
    top_n = top_n or int(env.get("ANIMUSIC_TOP_N", DEFAULT_TOP_N))
    batch_size = batch_size or int(env.get("ANIMUSIC_BATCH_SIZE", DEFAULT_BATCH_SIZE))
    live_sites = live_sites or live_sites_from_env(env)
    assets = build_live_assets(top_n, batch_size)
    jobs, schedules = build_jobs_and_schedules(rank_batches(top_n, batch_size), live_sites.anidb_daily_cap, batch_size)
    return dg.Definitions(assets=assets, jobs=jobs, schedules=schedules, resources={"live_sites": live_sites})
