"""The live-site resource: typed config (base URLs, limits, state dir) -> SiteClients + store.

Defaults are the polite real limits from DESIGN.md; tests point every base URL at the local
fake-site server and raise the rates so they run fast.
"""

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import httpx
from pydantic import PrivateAttr

from animusic_assets.sources.ingest_store import IngestStore, default_data_root
from animusic_assets.sources.page_cache import PageCache
from animusic_assets.sources.polite_fetcher import PoliteFetcher, RetryPolicy
from animusic_assets.sources.rate_limiter import HostLimit, RateLimiter
from animusic_assets.sources.site_clients import SiteBases, SiteClients


class LiveSitesResource(dg.ConfigurableResource):
    """Rate-limited, cached clients for MAL (API + pages), AniDB, YouTube, AniList and
    AnimeThemes."""

    mal_client_id: str = ""
    mal_api_base: str = "https://api.myanimelist.net"
    mal_web_base: str = "https://myanimelist.net"
    anidb_base: str = "https://anidb.net"
    youtube_base: str = "https://www.youtube.com"
    anilist_url: str = "https://graphql.anilist.co"
    animethemes_url: str = "https://api.animethemes.moe"
    data_dir: str = ""  # default: $ANIMUSIC_DATA_DIR/ingest or .data/ingest
    mal_rate_per_s: float = 1.0
    anidb_rate_per_s: float = 0.5
    anidb_daily_cap: int = 200
    youtube_rate_per_s: float = 0.5
    anilist_rate_per_s: float = 0.5  # 30 / min
    animethemes_rate_per_s: float = 1.0  # 60 / min
    retry_attempts: int = 5
    backoff_base_s: float = 2.0
    max_backoff_s: float = 300.0
    ban_cooldown_s: float = 86400.0
    timeout_s: float = 30.0
    browser_fallback: bool = True
    chromium_path: str = "/usr/bin/chromium"
    user_agent: str = "Animusic/0.1 (anime-song recommender; one request per second or slower)"

    _clients: SiteClients | None = PrivateAttr(default=None)

    def root(self) -> Path:
        return Path(self.data_dir) if self.data_dir else default_data_root()

    def store(self) -> IngestStore:
        return IngestStore(self.root() / "records")

    def limiter(self) -> RateLimiter:
        return RateLimiter(
            self.root() / "ratelimit.sqlite3",
            {
                "mal": HostLimit(self.mal_rate_per_s),
                "anidb": HostLimit(self.anidb_rate_per_s, daily_cap=self.anidb_daily_cap),
                "youtube": HostLimit(self.youtube_rate_per_s),
                "anilist": HostLimit(self.anilist_rate_per_s),
                "animethemes": HostLimit(self.animethemes_rate_per_s),
            },
        )

    def clients(self, log: Callable[[str], object] | None = None) -> SiteClients:
        if self._clients is None:
            client = httpx.Client(
                timeout=self.timeout_s,
                follow_redirects=True,
                headers={"User-Agent": self.user_agent},
            )
            fetcher = PoliteFetcher(
                self.limiter(),
                PageCache(self.root() / "pages"),
                client,
                RetryPolicy(
                    self.retry_attempts,
                    self.backoff_base_s,
                    self.max_backoff_s,
                    ban_cooldown_s=self.ban_cooldown_s,
                ),
                log=log,
            )
            self._clients = SiteClients(
                fetcher,
                SiteBases(
                    self.mal_api_base,
                    self.mal_web_base,
                    self.anidb_base,
                    self.youtube_base,
                    self.anilist_url,
                ),
                mal_client_id=self.mal_client_id,
                browser=self._browser(),
            )
        self._clients.fetcher.log = log
        return self._clients

    def _browser(self) -> Callable[[str], str] | None:
        if not self.browser_fallback:
            return None
        from animusic_assets.sources.browser_fetch import render_page

        return lambda url: render_page(url, self.chromium_path, self.timeout_s, self.user_agent)
