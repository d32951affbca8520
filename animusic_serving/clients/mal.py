"""MyAnimeList API v2: a user's public anime list (``/users/{name}/animelist``)."""

from __future__ import annotations

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
SKIPPED_STATUSES = {"plan_to_watch", "dropped"}


class MalClient:
    def __init__(self, base_url: str, client_id: str | None, min_interval: float = 1.0,
                 timeout: float = 10.0, transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.limiter = MinIntervalLimiter(min_interval)
        self._http = json_http_client(timeout, transport)

    def close(self) -> None:
        self._http.close()

    def anime_list(self, username: str) -> list[int]:
        if not self.client_id:
            raise SourceError(503, "MAL import is not configured (ANIMUSIC_MAL_CLIENT_ID)")
        url: str | None = (f"{self.base_url}/users/{quote(username, safe='')}/animelist"
                           f"?fields=list_status&limit={PAGE_SIZE}&nsfw=true")
        ids: list[int] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            body = self._get(url)
            data, paging = body.get("data"), body.get("paging")
            if not isinstance(data, list | None) or not isinstance(paging, dict | None):
                raise SourceError(502, "MyAnimeList answered an unexpected shape")
            for item in data or []:
                if not isinstance(item, dict):
                    continue
                list_status, node = item.get("list_status"), item.get("node")
                status = list_status.get("status") if isinstance(list_status, dict) else None
                mal = node.get("id") if isinstance(node, dict) else None
                if status not in SKIPPED_STATUSES and isinstance(mal, int) and 0 < mal < 2**31:
                    ids.append(mal)
            following = (paging or {}).get("next")
            # only ever follow links back to the configured API
            url = following if isinstance(following, str) and \
                following.startswith(self.base_url + "/") else None
        return list(dict.fromkeys(ids))

    def _get(self, url: str) -> dict:
        self.limiter.acquire()
        try:
            response = self._http.get(url, headers={"X-MAL-CLIENT-ID": self.client_id or ""})
        except httpx.HTTPError as exc:
            raise SourceError(502, f"MyAnimeList unreachable: {type(exc).__name__}") from None
        if response.status_code == 429:
            self.limiter.back_off(retry_after_seconds(response.headers.get("Retry-After")))
            raise SourceError(503, "MyAnimeList rate limit reached; retry later")
        if response.status_code in (403, 404):
            raise SourceError(404, "no such MyAnimeList user (or the list is private)")
        if response.status_code != 200:
            raise SourceError(502, f"MyAnimeList answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise SourceError(502, "MyAnimeList answered without JSON") from None
        if not isinstance(body, dict):
            raise SourceError(502, "MyAnimeList answered an unexpected body")
        return body
