"""Live collection: the partitioned stage assets, their jobs and schedules, and the
``live_sites`` resource. Present in every mode (the mode only chooses what ``anime_records``
reads), so an operator sees how backfills work before switching to live.
"""

import dagster as dg

from animusic_assets.defs.ingest.live_assets import build_live_assets
from animusic_assets.defs.ingest.partitions import rank_batches
from animusic_assets.defs.ingest.schedules import build_jobs_and_schedules
from animusic_assets.resources.live_sites import LiveSitesResource
from animusic_assets.resources.modes import live_sites_for
from animusic_assets.resources.settings import AnimusicSettings, settings_from_env


def ingest_definitions(
    live_sites: LiveSitesResource | None = None,
    top_n: int | None = None,
    batch_size: int | None = None,
    settings: AnimusicSettings | None = None,
) -> dg.Definitions:
    settings = settings or AnimusicSettings()
    top_n = top_n or settings.top_n
    batch_size = batch_size or settings.batch_size
    live_sites = live_sites or live_sites_for(settings)
    assets = build_live_assets(top_n, batch_size)
    jobs, schedules = build_jobs_and_schedules(
        rank_batches(top_n, batch_size), live_sites.anidb_daily_cap, batch_size
    )
    return dg.Definitions(
        assets=assets, jobs=jobs, schedules=schedules, resources={"live_sites": live_sites}
    )


@dg.definitions
def live_collection() -> dg.Definitions:
    return ingest_definitions(settings=settings_from_env())
