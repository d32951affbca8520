"""One ingest stage over a list of anime: fetch (cached, rate-limited), parse, store.

Shared by the rank-batch assets and the single-anime asset. A ban, a used-up daily cap or a
blocked host stops the stage at once; other per-anime errors are collected and fail the
partition at the end (what was fetched is cached, so a re-run costs no requests for it).
"""

import logging
import time

import dagster as dg

from animusic_assets.sources.anidb import AnidbPageError
from animusic_assets.sources.ingest_store import IngestStore
from animusic_assets.sources.mal_api import MalApiError
from animusic_assets.sources.mal_page import MalPageError
from animusic_assets.sources.polite_fetcher import BannedError, FetchError, SiteUnreachable
from animusic_assets.sources.rate_limiter import DailyCapReached, HostBlocked
from animusic_assets.sources.records import song_key
from animusic_assets.sources.site_clients import SiteClients
from animusic_assets.sources.youtube import YoutubePageError

_RECOVERABLE = (FetchError, AnidbPageError, MalApiError, MalPageError, YoutubePageError, ValueError)


def _mal_details(sites: SiteClients, store: IngestStore, mal_id: int) -> dict:
    return sites.mal_details(mal_id)


def _mal_page(sites: SiteClients, store: IngestStore, mal_id: int) -> dict:
    return sites.mal_page(mal_id)


def _anidb(sites: SiteClients, store: IngestStore, mal_id: int) -> dict:
    page = store.get("mal_page", mal_id)
    if page is None:
        raise FetchError(f"anime {mal_id}: no MAL page stored yet (materialize mal_pages first)")
    if not page.get("anidb_anime_id"):
        return {"anidb_anime_id": None, "tags": [], "songs": [], "fetched_at": None}
    return {"anidb_anime_id": page["anidb_anime_id"], **sites.anidb_anime(page["anidb_anime_id"])}


def _youtube(sites: SiteClients, store: IngestStore, mal_id: int) -> dict:
    details, anidb = store.get("mal_details", mal_id) or {}, store.get("anidb", mal_id)
    if anidb is None:
        raise FetchError(
            f"anime {mal_id}: no AniDB songs stored yet (materialize anidb_anime first)"
        )
    links, fetched = {}, None
    for song in anidb.get("songs") or []:
        artist = next((c["name"] for c in song.get("credits") or [] if c["role"] == "vocals"), None)
        titles = [t for t in (details.get("title_romaji"), details.get("title_english")) if t]
        queries = list(
            dict.fromkeys(" ".join(p for p in (t, song["title"], artist) if p) for t in titles)
        )
        link = sites.youtube_link(queries, song["title"], artist)
        if link:
            links[song_key(song)] = link
            fetched = max(fetched or 0, link["fetched_at"])
    return {"links": links, "fetched_at": fetched}


STAGES = {"mal_details": _mal_details, "mal_page": _mal_page, "anidb": _anidb, "youtube": _youtube}


def run_stage(
    stage: str,
    sites: SiteClients,
    store: IngestStore,
    mal_ids: list[int],
    log: logging.Logger | dg.DagsterLogManager,
) -> dict:
    """Run ``stage`` for every id; returns metadata; raises dg.Failure when the partition fails."""
    started, network0, cached0 = (
        time.time(),
        sites.fetcher.stats["network"],
        sites.fetcher.stats["cached"],
    )
    done, failures = 0, []
    for mal_id in mal_ids:
        try:
            store.put(stage, mal_id, STAGES[stage](sites, store, mal_id))
            done += 1
        except (BannedError, HostBlocked, DailyCapReached, SiteUnreachable) as exc:
            raise dg.Failure(
                f"{stage} stopped at anime {mal_id}: {exc}",
                metadata={"stored": done, "stopped_at": mal_id},
            ) from exc
        except _RECOVERABLE as exc:
            log.warning("%s: anime %s failed: %s", stage, mal_id, exc)
            failures.append(f"{mal_id}: {exc}")
    metadata = {
        "anime": len(mal_ids),
        "stored": done,
        "failed": len(failures),
        "network_requests": sites.fetcher.stats["network"] - network0,
        "cached_pages": sites.fetcher.stats["cached"] - cached0,
        "seconds": round(time.time() - started, 2),
    }
    if failures:
        raise dg.Failure(
            f"{stage}: {len(failures)} of {len(mal_ids)} anime failed: " + "; ".join(failures[:5]),
            metadata=metadata,
        )
    return metadata
