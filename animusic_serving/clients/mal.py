"""MyAnimeList: a user's public anime list.

With a MAL API client id: API v2 ``/users/{name}/animelist`` (1,000 entries a page). Without
one: the list page's own JSON, ``https://myanimelist.net/animelist/<name>/load.json?status=7
&offset=N`` (status 7 = all; 300 entries a page; an empty page ends the list), which needs no
key. Both go through the same per-process limiter (MAL: at most one request a second).
"""

from __future__ import annotations

import logging
from typing import TypeGuard
from urllib.parse import quote

import httpx

from animusic_serving.clients.base import (
    MinIntervalLimiter,
    SourceError,
    json_http_client,
    retry_after_seconds,
)

PAGE_SIZE = 1000
MAX_PAGES = 20  # 20,000 entries: more than any real list
PUBLIC_PAGE_SIZE = 300  # what load.json answers per request
PUBLIC_MAX_PAGES = 34  # 10,200 entries; at 1 request/s the import stays under a minute
SKIPPED_STATUSES = {"plan_to_watch", "dropped"}
# load.json's numeric statuses: 1 watching, 2 completed, 3 on hold, 4 dropped, 6 plan to watch
PUBLIC_SKIPPED_STATUSES = {4, 6}
ALL_STATUSES = 7

UNREACHABLE = "MyAnimeList could not be reached; check your connection and try again in a minute."
FAILED = "MyAnimeList did not answer as expected; try again in a minute."
NO_USER = "There is no MyAnimeList user by that name, or their anime list is private."
BUSY = "MyAnimeList is busy (rate limit reached); try again in a minute."
log = logging.getLogger(__name__)


class MalClient:
    """``base_url``: the API v2 root; ``web_url``: the site root (for load.json)."""

    def __init__(
        self,
        base_url: str,
        client_id: str | None,
        min_interval: float = 1.0,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        web_url: str = "https://myanimelist.net",
    ):
        self.base_url = base_url.rstrip("/")
        self.web_url = web_url.rstrip("/")
        self.client_id = client_id
        self.limiter = MinIntervalLimiter(min_interval)
        self._http = json_http_client(timeout, transport)

    def close(self) -> None:
        self._http.close()

    def anime_list(self, username: str) -> list[int]:
        """MAL ids on the user's list, planned and dropped anime left out."""
        if not self.client_id:
            return self.public_anime_list(username)
        url: str | None = (
            f"{self.base_url}/users/{quote(username, safe='')}/animelist"
            f"?fields=list_status&limit={PAGE_SIZE}&nsfw=true"
        )
        ids: list[int] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            body = self._get(url, {"X-MAL-CLIENT-ID": self.client_id})
            data = body.get("data") if isinstance(body, dict) else None
            paging = body.get("paging") if isinstance(body, dict) else None
            if (
                not isinstance(body, dict)
                or not isinstance(data, list | None)
                or not isinstance(paging, dict | None)
            ):
                log.warning("MAL API answered an unexpected body")
                raise SourceError(502, FAILED)
            for item in data or []:
                if not isinstance(item, dict):
                    continue
                list_status, node = item.get("list_status"), item.get("node")
                status = list_status.get("status") if isinstance(list_status, dict) else None
                mal = node.get("id") if isinstance(node, dict) else None
                if status not in SKIPPED_STATUSES and _valid_id(mal):
                    ids.append(mal)
            following = (paging or {}).get("next")
            # only ever follow links back to the configured API
            url = (
                following
                if isinstance(following, str) and following.startswith(self.base_url + "/")
                else None
            )
        return list(dict.fromkeys(ids))

    def public_anime_list(self, username: str) -> list[int]:
        """The list page's JSON (no key): pages of 300 until a short or empty page."""
        ids: list[int] = []
        base = f"{self.web_url}/animelist/{quote(username, safe='')}/load.json"
        for page in range(PUBLIC_MAX_PAGES):
            entries = self._get(f"{base}?status={ALL_STATUSES}&offset={page * PUBLIC_PAGE_SIZE}")
            if not isinstance(entries, list):
                log.warning("MAL load.json answered something other than a list")
                raise SourceError(502, FAILED)
            for entry in entries:
                if not isinstance(entry, dict):
                    continue
                mal = entry.get("anime_id")
                if entry.get("status") not in PUBLIC_SKIPPED_STATUSES and _valid_id(mal):
                    ids.append(mal)
            if len(entries) < PUBLIC_PAGE_SIZE:
                break
        return list(dict.fromkeys(ids))

    def _get(self, url: str, headers: dict | None = None) -> object:
        self.limiter.acquire()
        try:
            response = self._http.get(url, headers=headers or {})
        except httpx.HTTPError as exc:
            log.warning("MyAnimeList request failed: %s", type(exc).__name__)
            raise SourceError(502, UNREACHABLE) from None
        if response.status_code == 429:
            self.limiter.back_off(retry_after_seconds(response.headers.get("Retry-After")))
            raise SourceError(503, BUSY)
        # load.json answers 400 for an unknown name, 403 for a private list; the API 404
        if response.status_code in (400, 403, 404):
            raise SourceError(404, NO_USER)
        if response.status_code != 200:
            log.warning("MyAnimeList answered HTTP %s", response.status_code)
            raise SourceError(502, FAILED)
        try:
            return response.json()
        except ValueError:
            log.warning("MyAnimeList answered HTTP 200 without JSON")
            raise SourceError(502, FAILED) from None


def _valid_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31
