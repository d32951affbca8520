"""Live ingest assets: the MAL ranking, then per rank batch MAL details, MAL pages, AniDB anime
and YouTube links (each stage a partitioned asset), plus one asset for single anime by MAL id.

Each stage writes parsed results to the ingest store; ``anime_records`` (with LiveAnimeSource)
assembles them. It depends on every partition of the last stages, and its automation condition
rebuilds it (and the chain below it) once after collection lands (animusic_assets/automation.py).
"""

import dagster as dg

from animusic_assets.defs.external.sites import (
    anidb_site,
    animethemes_site,
    myanimelist_site,
    youtube_site,
)
from animusic_assets.defs.ingest.animethemes import build_animethemes_asset, collect_animethemes
from animusic_assets.defs.ingest.partitions import SINGLE_ANIME, parse_batch_key, rank_batches
from animusic_assets.defs.ingest.steps import run_stage
from animusic_assets.resources.live_sites import LiveSitesResource
from animusic_assets.sources.polite_fetcher import FetchError
from animusic_assets.sources.rate_limiter import DailyCapReached, HostBlocked

MAL, ANIDB, YOUTUBE = myanimelist_site.key, anidb_site.key, youtube_site.key
ANIMETHEMES = animethemes_site.key
BATCH_NOTE = (
    " One partition per rank batch (e.g. 0001-0050); parsed results go to the ingest "
    "store, pages to the page cache, so a re-run resumes without refetching."
)


def _batch_ids(context: dg.AssetExecutionContext, live_sites: LiveSitesResource) -> list[int]:
    first, last = parse_batch_key(context.partition_key)
    ids = live_sites.store().ids_for_ranks(first, last)
    if not ids:
        raise dg.Failure(f"no ranked anime for ranks {first}-{last}: materialize mal_ranking first")
    return ids


def build_live_assets(
    top_n: int | None = None, batch_size: int | None = None
) -> list[dg.AssetsDefinition]:
    batches = rank_batches(top_n, batch_size)
    n = parse_batch_key(batches.get_partition_keys()[-1])[1]  # top N

    @dg.asset(group_name="ingest_live", kinds={"httpx"}, pool="mal", deps=[MAL])
    def mal_ranking(
        context: dg.AssetExecutionContext, live_sites: LiveSitesResource
    ) -> dg.MaterializeResult:
        """The top-N MAL anime by rank (MAL API /anime/ranking, paged; #1 included)."""
        sites = live_sites.clients(context.log.info)
        try:
            entries, fetched = sites.ranking(n)
        except (FetchError, HostBlocked, DailyCapReached) as exc:
            raise dg.Failure(str(exc)) from exc
        live_sites.store().put_ranking(entries, fetched)
        return dg.MaterializeResult(metadata={"anime": len(entries), "first": str(entries[:1])})

    def stage_asset(name: str, stage: str, pool: str, deps: list, doc: str) -> dg.AssetsDefinition:
        @dg.asset(
            name=name,
            group_name="ingest_live",
            kinds={"httpx"},
            pool=pool,
            deps=deps,
            partitions_def=batches,
            description=doc + BATCH_NOTE,
        )
        def _asset(
            context: dg.AssetExecutionContext, live_sites: LiveSitesResource
        ) -> dg.MaterializeResult:
            ids = _batch_ids(context, live_sites)
            meta = run_stage(
                stage, live_sites.clients(context.log.info), live_sites.store(), ids, context.log
            )
            return dg.MaterializeResult(metadata=meta)

        return _asset

    details = stage_asset(
        "mal_details", "mal_details", "mal", [mal_ranking, MAL], "MAL API details per anime."
    )
    pages = stage_asset(
        "mal_pages", "mal_page", "mal", [details, MAL], "MAL pages: titles and the AniDB id."
    )
    anidb = stage_asset(
        "anidb_anime", "anidb", "anidb", [pages, ANIDB], "AniDB: tags, songs, credits."
    )
    links = stage_asset(
        "youtube_links",
        "youtube",
        "youtube",
        [anidb, YOUTUBE],
        "YouTube video, views, likes per song.",
    )
    animethemes = build_animethemes_asset(batches, [anidb, ANIMETHEMES], _batch_ids)

    @dg.asset(
        group_name="ingest_live",
        kinds={"httpx"},
        pool="anidb",
        partitions_def=SINGLE_ANIME,
        deps=[MAL, ANIDB, YOUTUBE, ANIMETHEMES],
    )
    def single_anime(
        context: dg.AssetExecutionContext, live_sites: LiveSitesResource
    ) -> dg.MaterializeResult:
        """Every stage for one anime added by MAL id (dynamic partition)."""
        mal_id = int(context.partition_key)
        sites, store = live_sites.clients(context.log.info), live_sites.store()
        meta = {}
        for stage in ("mal_details", "mal_page", "anidb", "youtube"):
            meta[stage] = run_stage(stage, sites, store, [mal_id], context.log)["network_requests"]
        meta["animethemes"] = collect_animethemes(
            sites.fetcher, live_sites.animethemes_url, store, [mal_id]
        )["network_requests"]
        return dg.MaterializeResult(metadata={f"{k}_requests": v for k, v in meta.items()})

    return [mal_ranking, details, pages, anidb, links, animethemes, single_anime]
