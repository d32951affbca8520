"""The Spotify client's politeness and refresh rules, on an in-memory transport (no sleeps:
the waits are recorded)."""

from __future__ import annotations

import httpx
import pytest

from animusic_serving.spotify.client import (
    GrantRevoked,
    Politeness,
    SpotifyAccounts,
    SpotifyApi,
    SpotifyError,
    pkce_pair,
)


class Tokens:
    def __init__(self) -> None:
        self.token, self.refreshed = "old", 0

    def current(self) -> str:
        return self.token

    def refresh(self) -> str:
        self.refreshed += 1
        self.token = f"new{self.refreshed}"
        return self.token


def api_with(answers: list[httpx.Response], max_wait: float = 30.0):
    waits: list[float] = []
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    politeness = Politeness(max_wait_seconds=max_wait, backoff_seconds=0.5, sleep=waits.append)
    tokens = Tokens()
    return SpotifyApi("https://api.test/v1", tokens, http, politeness), tokens, waits, seen


def test_pkce_pair_is_a_valid_s256_pair():
    import base64
    import hashlib

    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    digest = hashlib.sha256(verifier.encode()).digest()
    assert challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_429_waits_for_retry_after_then_succeeds():
    api, _, waits, _ = api_with(
        [httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json={"id": "me"})]
    )
    assert api.me() == "me"
    assert waits == [3.0]


def test_429_beyond_the_bounded_wait_is_one_line():
    api, _, waits, _ = api_with([httpx.Response(429, headers={"Retry-After": "120"})], max_wait=30)
    with pytest.raises(SpotifyError) as caught:
        api.me()
    assert caught.value.status == 503 and "try again in 120 s" in str(caught.value)
    assert waits == []  # it does not sit for two minutes


def test_5xx_and_network_errors_back_off_then_give_up():
    answers = [httpx.Response(502), httpx.Response(503), httpx.Response(500), httpx.Response(503)]
    api, _, waits, _ = api_with(answers)
    with pytest.raises(SpotifyError, match="not reachable"):
        api.me()
    assert waits == [0.5, 1.0, 2.0]


def test_401_refreshes_once_and_retries_with_the_new_token():
    api, tokens, _, seen = api_with([httpx.Response(401), httpx.Response(200, json={"id": "x"})])
    assert api.me() == "x" and tokens.refreshed == 1
    assert seen[-1].headers["Authorization"] == "Bearer new1"


def test_401_after_a_refresh_is_a_revoked_grant():
    api, _, _, _ = api_with([httpx.Response(401), httpx.Response(401)])
    with pytest.raises(GrantRevoked, match="connect again"):
        api.me()


def test_more_than_100_items_per_request_is_refused_before_sending():
    api, _, _, seen = api_with([])
    with pytest.raises(ValueError):
        api.add_items("p", [f"spotify:track:{i}" for i in range(101)])
    assert seen == []


def test_refresh_keeps_the_old_refresh_token_when_none_comes_back_and_invalid_grant_revokes():
    answers = [
        httpx.Response(200, json={"access_token": "a2", "expires_in": 60}),
        httpx.Response(400, json={"error": "invalid_grant"}),
    ]
    http = httpx.Client(transport=httpx.MockTransport(lambda r: answers.pop(0)))
    accounts = SpotifyAccounts("https://accounts.test", "cid", http, Politeness(sleep=print))
    tokens = accounts.refresh("r1")
    assert (tokens.access_token, tokens.refresh_token, tokens.expires_in) == ("a2", "r1", 60)
    with pytest.raises(GrantRevoked):
        accounts.refresh("r1")


def test_pacer_spaces_requests():
    from animusic_serving.spotify.client import Pacer

    now = [100.0]
    slept: list[float] = []
    pacer = Pacer(0.5, clock=lambda: now[0], sleep=slept.append)
    pacer.wait()
    pacer.wait()
    pacer.wait()
    assert slept == [0.5, 1.0]  # the second waits 0.5 s, the third 1 s (clock stood still)
