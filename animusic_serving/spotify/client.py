"""The Spotify accounts service (authorization code with PKCE) and the Web API, over httpx.

Endpoints (Web API as of the February 2026 changes): ``GET /me``, ``GET /search?type=track``,
``POST /me/playlists`` (create, for the current user), ``GET /playlists/{id}``,
``PUT /playlists/{id}/items`` (replace, at most 100) and ``POST /playlists/{id}/items``
(append, at most 100). Politeness: a 429 waits for its ``Retry-After`` (bounded), a 5xx or a
network error is retried with backoff, a 401 refreshes the access token once; what still
fails becomes one ``SpotifyError`` with a one-line message for the listener.
"""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from animusic_serving.clients.base import MinIntervalLimiter, retry_after_seconds
from animusic_serving.spotify.matching import Candidate

SCOPES = ("playlist-modify-private", "playlist-read-private")
ITEMS_PER_REQUEST = 100  # the Web API's limit for adding or replacing playlist items


class SpotifyError(RuntimeError):
    """``status``: what the Animusic API answers (409 connect again, 502 Spotify failed,
    503 Spotify unreachable or rate-limiting)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class GrantRevoked(SpotifyError):
    def __init__(self) -> None:
        super().__init__(409, "Spotify access was revoked or has expired: connect again")


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge): a 64-character verifier from the allowed set."""
    verifier = secrets.token_urlsafe(48)  # 64 characters of [A-Za-z0-9_-]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or response.reason_phrase)
    return str(body.get("error_description") or error or response.reason_phrase)


class Pacer(MinIntervalLimiter):
    """At most one request every ``min_interval`` seconds, shared by every export in the
    process (one instance per app), so a long export does not hammer Spotify. Strict
    spacing that never gives up: an export waits its turn."""

    def __init__(
        self,
        min_interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        super().__init__(min_interval, max_wait=math.inf, clock=clock, sleep=sleep)

    def wait(self) -> None:
        self.acquire()


class Politeness:
    """Retries for one client: how often and how long it may wait in all."""

    def __init__(
        self,
        attempts: int = 4,
        max_wait_seconds: float = 30.0,
        backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        pacer: Pacer | None = None,
    ):
        self.attempts, self.max_wait = attempts, max_wait_seconds
        self.backoff, self.sleep, self.pacer = backoff_seconds, sleep, pacer

    def send(self, send: Callable[[], httpx.Response], what: str) -> httpx.Response:
        waited = 0.0
        for attempt in range(self.attempts):
            if self.pacer is not None:
                self.pacer.wait()
            try:
                response = send()
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 429:
                wait = retry_after_seconds(response.headers.get("Retry-After"), default=1.0)
                if waited + wait > self.max_wait or attempt == self.attempts - 1:
                    raise SpotifyError(
                        503,
                        f"Spotify is rate-limiting {what}; try again in {max(1, round(wait))} s",
                    )
            elif response is not None and response.status_code < 500:
                return response
            else:
                wait = self.backoff * 2**attempt
                if attempt == self.attempts - 1:
                    break
            waited += wait
            self.sleep(wait)
        raise SpotifyError(503, "Spotify is not reachable right now; try again later")


class SpotifyAccounts:
    """accounts.spotify.com: the authorize URL, code exchange and refresh (public client:
    PKCE instead of a client secret)."""

    def __init__(self, base_url: str, client_id: str, http: httpx.Client, politeness: Politeness):
        self.base_url, self.client_id = base_url.rstrip("/"), client_id
        self.http, self.politeness = http, politeness

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        return f"{self.base_url}/authorize?" + urlencode(
            {
                "client_id": self.client_id,
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": " ".join(SCOPES),
                "code_challenge_method": "S256",
                "code_challenge": code_challenge,
            }
        )

    def _token(self, form: dict[str, str], refresh_token: str | None = None) -> TokenSet:
        response = self.politeness.send(
            lambda: self.http.post(f"{self.base_url}/api/token", data=form), "the sign-in"
        )
        if response.status_code == 400 and _message(response) and "invalid_grant" in response.text:
            raise GrantRevoked()
        if response.status_code != 200:
            raise SpotifyError(502, f"Spotify refused the sign-in: {_message(response)}")
        body = response.json()
        return TokenSet(
            str(body["access_token"]),
            body.get("refresh_token") or refresh_token,
            int(body.get("expires_in", 3600)),
            str(body.get("scope", "")),
        )

    def exchange(self, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
                "code_verifier": code_verifier,
            }
        )

    def refresh(self, refresh_token: str) -> TokenSet:
        # a PKCE refresh token may be single-use: the answer's new one replaces it
        return self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
            },
            refresh_token,
        )


class AccessTokens(Protocol):
    def current(self) -> str: ...

    def refresh(self) -> str: ...


class SpotifyApi:
    """The Web API for one listener; ``tokens`` hands out (and refreshes) their token."""

    def __init__(
        self, base_url: str, tokens: AccessTokens, http: httpx.Client, politeness: Politeness
    ):
        self.base_url, self.tokens = base_url.rstrip("/"), tokens
        self.http, self.politeness = http, politeness

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> httpx.Response:
        token = self.tokens.current()
        for refreshed in (False, True):

            def send(token: str = token) -> httpx.Response:
                return self.http.request(
                    method,
                    self.base_url + path,
                    headers={"Authorization": f"Bearer {token}"},
                    **kwargs,
                )

            response = self.politeness.send(send, what)
            if response.status_code != 401:
                break
            if refreshed:
                raise GrantRevoked()
            token = self.tokens.refresh()
        if response.status_code == 404:
            return response
        if response.status_code == 403:
            raise SpotifyError(502, f"Spotify refused {what}: {_message(response)}")
        if response.status_code >= 400:
            raise SpotifyError(502, f"Spotify failed {what}: {_message(response)}")
        return response

    def me(self) -> str:
        return str(self._call("GET", "/me", "reading your profile").json()["id"])

    def search_tracks(self, query: str, limit: int = 10) -> list[Candidate]:
        body = self._call(
            "GET", "/search", "a search", params={"q": query, "type": "track", "limit": limit}
        ).json()
        return [
            Candidate(
                str(t["uri"]),
                str(t.get("name", "")),
                tuple(str(a.get("name", "")) for a in t.get("artists") or []),
            )
            for t in (body.get("tracks") or {}).get("items") or []
            if t and t.get("uri")
        ]

    def playlist_exists(self, playlist_id: str) -> bool:
        response = self._call(
            "GET", f"/playlists/{playlist_id}", "reading the playlist", params={"fields": "id"}
        )
        return response.status_code == 200

    def create_playlist(self, name: str, description: str) -> str:
        response = self._call(
            "POST",
            "/me/playlists",
            "creating the playlist",
            json={"name": name, "public": False, "description": description},
        )
        return str(response.json()["id"])

    def replace_items(self, playlist_id: str, uris: list[str]) -> None:
        """The playlist becomes exactly ``uris`` (at most 100): PUT, idempotent."""
        self._write("PUT", playlist_id, uris)

    def add_items(self, playlist_id: str, uris: list[str]) -> None:
        self._write("POST", playlist_id, uris)

    def _write(self, method: str, playlist_id: str, uris: list[str]) -> None:
        if len(uris) > ITEMS_PER_REQUEST:
            raise ValueError(f"at most {ITEMS_PER_REQUEST} items per request")
        response = self._call(
            method, f"/playlists/{playlist_id}/items", "filling the playlist", json={"uris": uris}
        )
        if response.status_code == 404:
            raise SpotifyError(
                502, "the Spotify playlist disappeared while filling it; export again"
            )
