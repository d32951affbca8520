"""AnimeThemes links per rank batch: one request per 100 anime, stored per anime in the ingest
store (``animethemes/<mal_id>.json``); ``anime_records`` (live) matches them to the AniDB songs.

The whole batch is fetched before anything is written, so a failed partition (site down, 429s
past the retries, malformed answers) leaves the store as it was. The single-anime partition
runs the same step from ``single_anime``.
"""

import time
from collections.abc import Callable

import dagster as dg

from animusic_assets.defs.ingest.animethemes_checks import MATCH_RATE_CHECK, match_rate_result
from animusic_assets.resources.live_sites import LiveSitesResource
from animusic_assets.sources.animethemes_client import fetch_themes, short_reason
from animusic_assets.sources.animethemes_match import (
    MatchStats,
    add_animethemes_links,
    stored_themes,
)
from animusic_assets.sources.ingest_store import IngestStore
from animusic_assets.sources.polite_fetcher import FetchError, PoliteFetcher
from animusic_assets.sources.rate_limiter import DailyCapReached, HostBlocked

STAGE = "animethemes"


def collect_animethemes(
    fetcher: PoliteFetcher, base: str, store: IngestStore, mal_ids: list[int]
) -> dict:
    """Fetch, store and match the themes of ``mal_ids``; returns the asset metadata.

    Raises dg.Failure with one line when AnimeThemes cannot be read or AniDB songs are missing.
    """
    missing = [i for i in mal_ids if store.get("anidb", i) is None]
    if missing:
        raise dg.Failure(
            f"animethemes: no AniDB songs stored for anime {missing[:5]} "
            f"(materialize anidb_anime first)"
        )
    started, network0, cached0 = time.time(), fetcher.stats["network"], fetcher.stats["cached"]
    try:
        result = fetch_themes(fetcher, base, mal_ids)
    except (FetchError, HostBlocked, DailyCapReached) as exc:
        raise dg.Failure(
            f"AnimeThemes unavailable for {len(mal_ids)} anime: {short_reason(exc)}"
        ) from None
    stats = MatchStats()
    for mal_id in mal_ids:
        themes = result.themes.get(mal_id)
        store.put(STAGE, mal_id, stored_themes(themes, result.fetched_at))
        songs = [
            s
            for s in (store.get("anidb", mal_id) or {}).get("songs") or []
            if s.get("relation") in ("opening", "ending", "insert", "image")
        ]
        stats.add(add_animethemes_links(songs, themes or [], result.fetched_at)[1])
    rate = stats.match_rate
    return {
        "anime": len(mal_ids),
        "anime_on_animethemes": len(result.themes),
        "themes": stats.themes,
        "op_ed_songs": stats.op_ed_songs,
        "op_ed_matched": stats.op_ed_matched,
        "match_rate": round(rate, 4) if rate is not None else None,
        "linked_songs": stats.linked_songs,
        "new_songs": stats.new_songs,
        "network_requests": fetcher.stats["network"] - network0,
        "cached_pages": fetcher.stats["cached"] - cached0,
        "seconds": round(time.time() - started, 2),
    }


def build_animethemes_asset(
    batches: dg.PartitionsDefinition,
    deps: list,
    batch_ids: Callable[[dg.AssetExecutionContext, LiveSitesResource], list[int]],
) -> dg.AssetsDefinition:
    """The ``animethemes_links`` asset over ``batches``; ``batch_ids(context, live_sites)`` gives
    the MAL ids of the partition (the same helper the other stages use)."""

    @dg.asset(
        name="animethemes_links",
        group_name="ingest_live",
        kinds={"python"},
        pool="animethemes",
        deps=deps,
        partitions_def=batches,
        check_specs=[MATCH_RATE_CHECK],
    )
    def animethemes_links(
        context: dg.AssetExecutionContext, live_sites: LiveSitesResource
    ) -> dg.MaterializeResult:
        """AnimeThemes videos (webm) and audio (ogg) per song, up to 100 anime per request."""
        ids = batch_ids(context, live_sites)
        fetcher = live_sites.clients(context.log.info).fetcher
        meta = collect_animethemes(fetcher, live_sites.animethemes_url, live_sites.store(), ids)
        return dg.MaterializeResult(metadata=meta, check_results=[match_rate_result(meta)])

    return animethemes_links
