"""Site clients: fetch through the PoliteFetcher, parse with the pure parsers in ``sources/``.

Hosts (limiter keys): ``mal`` (API and pages: one bucket, 1 req/s), ``anidb``, ``youtube``,
``anilist``. Freshness per source decides when a cached page is fetched again. No Dagster here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from animusic_assets.sources import anidb, anilist, mal_api, mal_page, youtube
from animusic_assets.sources.polite_fetcher import FetchError, PoliteFetcher

DAY = 86400.0
FRESHNESS_S = {
    "mal_ranking": 6 * DAY,
    "mal_api": 7 * DAY,
    "mal_page": 30 * DAY,
    "anidb": 30 * DAY,
    "youtube_search": 90 * DAY,
    "youtube_watch": 25 * DAY,
    "anilist": 3600.0,
}


@dataclass
class SiteBases:
    mal_api: str = "https://api.myanimelist.net"
    mal_web: str = "https://myanimelist.net"
    anidb: str = "https://anidb.net"
    youtube: str = "https://www.youtube.com"
    anilist: str = "https://graphql.anilist.co"


@dataclass
class SiteClients:
    fetcher: PoliteFetcher
    bases: SiteBases
    mal_client_id: str = ""
    browser: Callable[[str], str] | None = (
        None  # url -> html, the Playwright fallback (None = disabled)
    )
    freshness: dict = field(default_factory=lambda: dict(FRESHNESS_S))

    def _mal_headers(self) -> dict:
        if not self.mal_client_id:
            raise FetchError("ANIMUSIC_MAL_CLIENT_ID is not set: the MAL API needs a client id")
        return {"X-MAL-CLIENT-ID": self.mal_client_id}

    def ranking(self, top_n: int) -> tuple[list[dict], float]:
        entries: list[dict] = []
        offset, fetched = 0, 0.0
        while len(entries) < top_n:
            limit = min(mal_api.RANKING_PAGE_LIMIT, top_n - len(entries))
            page = self.fetcher.fetch(
                "mal",
                mal_api.ranking_url(self.bases.mal_api, offset, limit),
                self.freshness["mal_ranking"],
                headers=self._mal_headers(),
            )
            batch, next_url = mal_api.parse_ranking(json.loads(page["body"]))
            entries.extend(batch)
            fetched = max(fetched, page["fetched_at"])
            offset += len(batch)
            if not batch or not next_url:  # never follow next_url itself: it names the real host
                break
        return entries[:top_n], fetched

    def mal_details(self, mal_id: int) -> dict:
        page = self.fetcher.fetch(
            "mal",
            mal_api.details_url(self.bases.mal_api, mal_id),
            self.freshness["mal_api"],
            headers=self._mal_headers(),
        )
        return {**mal_api.parse_details(json.loads(page["body"])), "fetched_at": page["fetched_at"]}

    def mal_page(self, mal_id: int) -> dict:
        url = f"{self.bases.mal_web.rstrip('/')}/anime/{int(mal_id)}"
        cached = self.fetcher.cache.get(url, self.freshness["mal_page"])
        if cached is not None:
            self.fetcher.stats["cached"] += 1
        else:
            try:
                cached = self.fetcher.fetch(
                    "mal",
                    url,
                    self.freshness["mal_page"],
                    accept=lambda b: None if mal_page.is_usable_mal_page(b) else "unusable",
                )
            except FetchError as exc:
                if "unusable" not in str(exc) or self.browser is None:
                    raise
                self.fetcher.limiter.acquire("mal")  # the browser's page load is a request too
                html = self.browser(url)
                if not mal_page.is_usable_mal_page(html):
                    raise FetchError(f"{url}: no usable MAL page, even in a browser") from exc
                cached = self.fetcher.cache.put(url, html)
        return {**mal_page.parse_mal_page(cached["body"]), "fetched_at": cached["fetched_at"]}

    def anidb_anime(self, aid: int) -> dict:
        page = self.fetcher.fetch(
            "anidb",
            f"{self.bases.anidb.rstrip('/')}/anime/{int(aid)}",
            self.freshness["anidb"],
            ban_check=anidb.anidb_ban_reason,
            accept=anidb.page_problem,
        )
        return {**anidb.parse_anidb_anime(page["body"]), "fetched_at": page["fetched_at"]}

    def youtube_link(self, queries: list[str], song_title: str, artist: str | None) -> dict | None:
        """The first relevant video over the queries in order, with its views and likes."""
        for query in queries:
            page = self.fetcher.fetch(
                "youtube",
                youtube.search_url(self.bases.youtube, query),
                self.freshness["youtube_search"],
            )
            video = youtube.pick_video(youtube.parse_search(page["body"]), song_title, artist)
            if video:
                url = youtube.watch_url("https://www.youtube.com", video["video_id"])
                watch = self.fetcher.fetch(
                    "youtube",
                    youtube.watch_url(self.bases.youtube, video["video_id"]),
                    self.freshness["youtube_watch"],
                    accept=youtube.watch_page_problem,
                )
                stats = youtube.parse_watch(watch["body"])
                return {
                    "platform": "youtube",
                    "url": url,
                    "video_id": video["video_id"],
                    "views": stats["views"] if stats["views"] is not None else video["views"],
                    "likes": stats["likes"],
                    "fetched_at": watch["fetched_at"],
                    "query": query,
                }
        return None

    def anilist_list(self, username: str) -> list[dict]:
        page = self.fetcher.fetch(
            "anilist",
            self.bases.anilist,
            self.freshness["anilist"],
            json_body=anilist.list_request(username),
        )
        return anilist.parse_media_list(json.loads(page["body"]))
