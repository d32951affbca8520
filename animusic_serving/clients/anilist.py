"""AniList GraphQL: who owns an access token (``Viewer``), and a user's public anime list
(``MediaListCollection`` -> MAL ids).

Every answer is validated against the shape we asked for (pydantic models below): an answer
of another shape is AniList failing, ``SourceError(502)``, never an exception of ours."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, ValidationError

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


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _GraphQLError(_Answer):
    status: StrictInt | None = None


class _Envelope(_Answer):
    data: dict | None = None
    errors: list[_GraphQLError | object] | None = None


class _ViewerOut(_Answer):
    id: StrictInt
    name: StrictStr


class _ViewerData(_Answer):
    Viewer: _ViewerOut | None = None


class _Media(_Answer):
    idMal: StrictInt | None = None


class _Entry(_Answer):
    status: StrictStr | None = None
    media: _Media | None = None


class _List(_Answer):
    entries: list[_Entry | None] | None = None


class _Collection(_Answer):
    lists: list[_List | None] | None = None


class _ListData(_Answer):
    MediaListCollection: _Collection | None = None


_Model = TypeVar("_Model", bound=BaseModel)


def _parse(model: type[_Model], value: object) -> _Model:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        where = ".".join(str(part) for part in exc.errors()[0]["loc"]) or "body"
        log.warning("AniList answered an unexpected shape (at %s)", where)
        raise SourceError(
            502, "AniList answered in an unexpected shape; try again in a minute."
        ) from None


class AniListClient:
    def __init__(
        self,
        url: str,
        min_interval: float = 2.0,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        burst: int = 1,
    ):
        self.url = url
        self.limiter = MinIntervalLimiter(min_interval, burst=burst)
        self._http = json_http_client(timeout, transport)

    def close(self) -> None:
        self._http.close()

    def _post(self, query: str, variables: dict | None = None, token: str | None = None) -> dict:
        self.limiter.acquire()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = self._http.post(
                self.url, json={"query": query, "variables": variables or {}}, headers=headers
            )
        except httpx.HTTPError as exc:
            log.warning("AniList request failed: %s", type(exc).__name__)
            raise SourceError(502, UNREACHABLE) from None
        if response.status_code == 429:
            self.limiter.back_off(retry_after_seconds(response.headers.get("Retry-After")))
            raise SourceError(503, "AniList is busy (rate limit reached); try again in a minute.")
        remaining = response.headers.get("X-RateLimit-Remaining")
        if remaining == "0":
            self.limiter.back_off(retry_after_seconds(response.headers.get("Retry-After"), 60))
        try:
            body = response.json()
        except ValueError:
            log.warning("AniList answered HTTP %s without JSON", response.status_code)
            raise SourceError(502, FAILED) from None
        envelope = _parse(_Envelope, body)
        if envelope.errors:
            statuses = {e.status for e in envelope.errors if isinstance(e, _GraphQLError)}
            if 401 in statuses or (400 in statuses and token) or response.status_code == 401:
                raise SourceError(401, "AniList did not accept the sign-in; sign in again.")
            if 404 in statuses or response.status_code == 404:
                raise SourceError(404, NO_USER)
            log.warning("AniList answered errors (HTTP %s)", response.status_code)
            raise SourceError(502, FAILED)
        if response.status_code != 200 or envelope.data is None:
            log.warning("AniList answered HTTP %s", response.status_code)
            raise SourceError(502, FAILED)
        return envelope.data

    def viewer(self, access_token: str) -> Viewer:
        viewer = _parse(_ViewerData, self._post(VIEWER_QUERY, token=access_token)).Viewer
        if viewer is None or not viewer.name:
            raise SourceError(401, "AniList did not identify the token's user")
        return Viewer(viewer.id, viewer.name)

    def anime_list(self, username: str) -> list[int]:
        """MAL ids of the user's anime (entries without a MAL id are left out)."""
        data = _parse(_ListData, self._post(LIST_QUERY, {"name": username}))
        collection = data.MediaListCollection
        if collection is None:
            raise SourceError(404, NO_USER)
        ids: list[int] = []
        for lst in collection.lists or []:
            for entry in (lst.entries if lst else None) or []:
                if entry is None or entry.status in SKIPPED_STATUSES or entry.media is None:
                    continue
                mal = entry.media.idMal
                if mal is not None and 0 < mal < 2**31:
                    ids.append(mal)
        return list(dict.fromkeys(ids))
