"""Fetch AnimeThemes themes for many MAL ids through the polite fetcher (limiter, cache, retries).

Up to 100 ids per request; every page of an answer is followed (``links.next`` says there is
one; the next URL is rebuilt on our base, never taken from the answer, which names the real
host). A malformed answer is never cached and is asked again with backoff like a 5xx; when
every attempt fails the whole call fails, so callers never store half a batch. No Dagster here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from animusic_assets.sources.animethemes import (
    PAGE_SIZE,
    AnimeTheme,
    AnimeThemesError,
    anime_by_mal_ids_url,
    parse_anime_page,
    themes_by_mal_id,
)
from animusic_assets.sources.polite_fetcher import FetchError, PoliteFetcher

HOST = "animethemes"  # the limiter key
DEFAULT_BASE = "https://api.animethemes.moe"
BASE_ENV = "ANIMUSIC_ANIMETHEMES_URL"
RATE_PER_S = 1.0  # <= 60 requests a minute
FRESHNESS_S = 14 * 86400.0  # a cached answer is used for two weeks
MAX_PAGES = 20  # 100 ids cannot need more; a bound against a looping server
_MALFORMED = "malformed AnimeThemes answer"


def short_reason(exc: Exception) -> str:
    """One short line: the fetcher's messages start with the URL (100 ids long), which the
    reader does not need."""
    text = (str(exc).splitlines() or [""])[0]
    if text.startswith("http"):
        text = text.split(": ", 1)[-1]
    return (text or type(exc).__name__)[:200]


def base_url(env: Mapping[str, str] = os.environ) -> str:
    return (env.get(BASE_ENV) or DEFAULT_BASE).rstrip("/")


@dataclass
class ThemesResult:
    themes: dict[int, list[AnimeTheme]]  # MAL id -> themes; ids AnimeThemes lacks are absent
    fetched_at: float | None
    requests: int  # pages read (from the network or the cache)


def _accept(body: str) -> str | None:
    try:
        parse_anime_page(body)
    except AnimeThemesError as exc:
        return f"{_MALFORMED}: {exc}"
    return None


def _fetch_page(fetcher: PoliteFetcher, url: str, max_age_s: float) -> dict:
    """One page; a malformed answer is retried with the fetcher's backoff, then fails."""
    policy = fetcher.policy
    for attempt in range(policy.attempts):
        try:
            return fetcher.fetch(
                HOST, url, max_age_s, headers={"Accept": "application/json"}, accept=_accept
            )
        except FetchError as exc:
            if _MALFORMED not in str(exc) or attempt + 1 >= policy.attempts:
                raise
            fetcher._wait(attempt, None, url, _MALFORMED)
    raise FetchError(f"{url}: no attempt made")  # attempts == 0


def fetch_themes(
    fetcher: PoliteFetcher, base: str, mal_ids: list[int], max_age_s: float = FRESHNESS_S
) -> ThemesResult:
    """Themes for every id AnimeThemes knows, in ceil(len / 100) requests (plus extra pages)."""
    ids = sorted({int(i) for i in mal_ids})
    pages, fetched, requests = [], None, 0
    for start in range(0, len(ids), PAGE_SIZE):
        chunk = ids[start : start + PAGE_SIZE]
        for number in range(1, MAX_PAGES + 1):
            raw = _fetch_page(fetcher, anime_by_mal_ids_url(base, chunk, number), max_age_s)
            requests += 1
            page = parse_anime_page(raw["body"])
            pages.append(page)
            fetched = max(fetched or 0.0, raw["fetched_at"])
            if not page.has_next:
                break
        else:
            raise FetchError(f"AnimeThemes kept paging past {MAX_PAGES} pages for {len(chunk)} ids")
    wanted = set(ids)
    found = {k: v for k, v in themes_by_mal_id(pages).items() if k in wanted}
    return ThemesResult(found, fetched, requests)
