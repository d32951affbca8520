"""AniList GraphQL: who owns an access token (``Viewer``), and a user's public anime list
(``MediaListCollection`` -> MAL ids)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from animusic_serving.clients.base import (
    MinIntervalLimiter,
    SourceError,
    json_http_client,
    retry_after_seconds,
)

VIEWER_QUERY = "query { Viewer { id name } }"
LIST_QUERY = """query ($name: String) {
  MediaListCollection(userName: $name, type: ANIME) {
    lists { entries { status media { id idMal } } }
  }
}"""
# what a listener reads when an import fails: one sentence, never an exception's text
UNREACHABLE = "AniList could not be reached; check your connection and try again in a minute."
FAILED = "AniList did not answer as expected; try again in a minute."
NO_USER = "There is no AniList user by that name, or their anime list is private."
log = logging.getLogger(__name__)
# a planned anime says nothing about taste yet; a dropped one says the opposite
SKIPPED_STATUSES = {"PLANNING", "DROPPED"}


@dataclass(frozen=True)
class Viewer:
    id: int
    name: str


class AniListClient:
    def __init__(self, url: str, min_interval: float = 2.0, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None):
        self.url = url
        self.limiter = MinIntervalLimiter(min_interval)
        self._http = json_http_client(timeout, transport)

    def close(self) -> None:
        self._http.close()

    def _post(self, query: str, variables: dict | None = None,
              token: str | None = None) -> dict:
        self.limiter.acquire()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = self._http.post(self.url, json={"query": query,
                                                       "variables": variables or {}},
                                       headers=headers)
        except httpx.HTTPError as exc:
            log.warning("AniList request failed: %s", type(exc).__name__)
            raise SourceError(502, UNREACHABLE) from None
        if response.status_code == 429:
            self.limiter.back_off(retry_after_seconds(response.headers.get("Retry-After")))
            raise SourceError(503, "AniList is busy (rate limit reached); try again in a "
                                   "minute.")
        remaining = response.headers.get("X-RateLimit-Remaining")
        if remaining == "0":
            self.limiter.back_off(retry_after_seconds(response.headers.get("Retry-After"), 60))
        try:
            body = response.json()
        except ValueError:
            log.warning("AniList answered HTTP %s without JSON", response.status_code)
            raise SourceError(502, FAILED) from None
        if not isinstance(body, dict):
            log.warning("AniList answered an unexpected body")
            raise SourceError(502, FAILED)
        errors = body.get("errors") or []
        if errors:
            statuses = {e.get("status") for e in errors if isinstance(e, dict)}
            if 401 in statuses or 400 in statuses and token or response.status_code == 401:
                raise SourceError(401, "AniList did not accept the sign-in; sign in again.")
            if 404 in statuses or response.status_code == 404:
                raise SourceError(404, NO_USER)
            log.warning("AniList answered errors (HTTP %s)", response.status_code)
            raise SourceError(502, FAILED)
        if response.status_code != 200 or not isinstance(body.get("data"), dict):
            log.warning("AniList answered HTTP %s", response.status_code)
            raise SourceError(502, FAILED)
        return body["data"]

    def viewer(self, access_token: str) -> Viewer:
        data = self._post(VIEWER_QUERY, token=access_token)
        viewer = data.get("Viewer")
        if not isinstance(viewer, dict) or not isinstance(viewer.get("id"), int) \
                or not isinstance(viewer.get("name"), str) or not viewer["name"]:
            raise SourceError(401, "AniList did not identify the token's user")
        return Viewer(viewer["id"], viewer["name"])

    def anime_list(self, username: str) -> list[int]:
        """MAL ids of the user's anime (entries without a MAL id are left out)."""
        data = self._post(LIST_QUERY, {"name": username})
        collection = data.get("MediaListCollection")
        if collection is None:
            raise SourceError(404, NO_USER)
        ids: list[int] = []
        for lst in collection.get("lists") or []:
            for entry in (lst or {}).get("entries") or []:
                if not isinstance(entry, dict) or entry.get("status") in SKIPPED_STATUSES:
                    continue
                mal = (entry.get("media") or {}).get("idMal")
                if isinstance(mal, int) and 0 < mal < 2**31:
                    ids.append(mal)
        return list(dict.fromkeys(ids))
