"""HTTP GET/POST behind the rate limiter and the page cache, with retries.

Retries 429/5xx/timeouts with exponential backoff and jitter, honouring ``Retry-After`` and
AniList's ``X-RateLimit-*``; no connection at all (DNS, refused) fails at once. A ban page
(detected by the caller's ``ban_check``) blocks the host for a cooldown in the shared limiter
state and is never cached. Every attempt is a request counted by the limiter. No Dagster here.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from animusic_assets.sources.page_cache import PageCache
from animusic_assets.sources.rate_limiter import RateLimiter

_RETRY_STATUS = {429, 500, 502, 503, 504}


class FetchError(RuntimeError):
    """The page could not be fetched (after retries, or a permanent error such as 404)."""


class BannedError(FetchError):
    """The site answered with a ban page: stop everything for this host."""


class SiteUnreachable(FetchError):
    """No connection at all (DNS failure, connection refused): no network, or the site is
    down. Not retried: waiting minutes would not bring the network back."""


@dataclass
class RetryPolicy:
    attempts: int = 5
    backoff_base_s: float = 2.0
    max_backoff_s: float = 300.0
    max_retry_after_s: float = 3600.0
    ban_cooldown_s: float = 86400.0


class PoliteFetcher:
    def __init__(
        self,
        limiter: RateLimiter,
        cache: PageCache,
        client: httpx.Client,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], object] | None = None,
    ):
        self.limiter, self.cache, self.client = limiter, cache, client
        self.policy, self.sleep, self.log = policy or RetryPolicy(), sleep, log
        self.stats = {"network": 0, "cached": 0}

    def fetch(
        self,
        host: str,
        url: str,
        max_age_s: float | None,
        *,
        json_body: dict | None = None,
        headers: dict | None = None,
        ban_check: Callable[[str], str | None] | None = None,
        accept: Callable[[str], str | None] | None = None,
    ) -> dict:
        """``{url, fetched_at, status, body}`` from the cache when fresh, else from the network."""
        if json_body is None:
            key = url
        else:
            body_hash = hashlib.sha256(json.dumps(json_body, sort_keys=True).encode()).hexdigest()
            key = f"{url}#{body_hash[:16]}"
        cached = self.cache.get(key, max_age_s)
        if cached is not None:
            self.stats["cached"] += 1
            return cached
        last = "no attempt"
        for attempt in range(self.policy.attempts):
            self.limiter.acquire(host)
            self.stats["network"] += 1
            try:
                if json_body is None:
                    response = self.client.get(url, headers=headers)
                else:
                    response = self.client.post(url, json=json_body, headers=headers)
            except httpx.ConnectError as exc:
                raise SiteUnreachable(
                    f"cannot reach {httpx.URL(url).host} ({exc or type(exc).__name__}):"
                    " no network, or the site is down"
                ) from exc
            except httpx.HTTPError as exc:  # timeouts, broken answers
                last = f"{type(exc).__name__}: {exc}"
                self._wait(attempt, None, url, last)
                continue
            body = response.text
            reason = ban_check(body) if ban_check else None
            if reason or response.status_code == 403:
                reason = reason or f"HTTP 403 from {host}"
                self.limiter.block(host, self.policy.ban_cooldown_s, reason)
                raise BannedError(f"{url}: {reason}")
            if response.status_code in _RETRY_STATUS:
                last = f"HTTP {response.status_code}"
                retry_after = _retry_after(response)
                if retry_after is not None and retry_after > self.policy.max_retry_after_s:
                    self.limiter.block(host, retry_after, f"Retry-After {retry_after:.0f} s")
                    raise FetchError(f"{url}: {host} asks us to wait {retry_after:.0f} s")
                self._wait(attempt, retry_after, url, last)
                continue
            if response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code}")
            self._respect_rate_headers(response)
            problem = accept(body) if accept else None
            if problem:
                raise FetchError(f"{url}: {problem}")
            return self.cache.put(key, body, response.status_code)
        raise FetchError(f"{url}: gave up after {self.policy.attempts} attempts ({last})")

    def _wait(self, attempt: int, retry_after: float | None, url: str, why: str) -> None:
        if attempt + 1 >= self.policy.attempts:
            return
        backoff = min(self.policy.max_backoff_s, self.policy.backoff_base_s * 2**attempt)
        delay = max(retry_after or 0.0, backoff + random.uniform(0, self.policy.backoff_base_s))
        if self.log:
            self.log(f"{why} from {url}; retrying in {delay:.2f} s")
        self.sleep(delay)

    def _respect_rate_headers(self, response: httpx.Response) -> None:
        """AniList: when X-RateLimit-Remaining hits 0, wait until X-RateLimit-Reset."""
        remaining, reset = (
            response.headers.get("X-RateLimit-Remaining"),
            response.headers.get("X-RateLimit-Reset"),
        )
        if remaining == "0" and reset and reset.isdigit():
            self.sleep(min(self.policy.max_retry_after_s, max(0.0, int(reset) - time.time())))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
