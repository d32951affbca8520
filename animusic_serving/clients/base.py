"""What the site clients share: a per-process rate limiter and one error type."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx


class SourceError(RuntimeError):
    """A list could not be fetched. ``status``: the HTTP status to answer with
    (404 unknown user, 401 bad token, 502 the site failed, 503 rate-limited/not configured)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class MinIntervalLimiter:
    """At most one request every ``min_interval`` seconds on average (per process), with up
    to ``burst`` requests at once after a quiet spell (a token bucket in its GCRA form;
    ``burst=1`` is strict spacing). A caller that would wait longer than ``max_wait`` gets
    ``SourceError(503)`` instead of blocking a worker."""

    def __init__(
        self,
        min_interval: float,
        max_wait: float = 10.0,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.min_interval = min_interval
        self.max_wait = max_wait
        self.burst = max(1, burst)
        self._next = 0.0  # the theoretical time of the next request at the sustained rate
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next - (self.burst - 1) * self.min_interval)
            if start - now > self.max_wait:
                raise SourceError(503, "This site is busy right now; try again in a minute.")
            self._next = max(self._next, now) + self.min_interval
        if start > now:
            self._sleep(start - now)

    def back_off(self, seconds: float) -> None:
        """The site said Retry-After: nobody in this process asks before then."""
        with self._lock:
            # (the burst allowance is spent too: nothing goes before ``seconds`` have passed)
            self._next = max(
                self._next, self._clock() + seconds + (self.burst - 1) * self.min_interval
            )


def retry_after_seconds(value: str | None, default: float = 60.0) -> float:
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default


def json_http_client(timeout: float, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The HTTP client every list-import source uses: JSON in, our user agent out."""
    return httpx.Client(
        timeout=timeout,
        transport=transport,
        headers={"Accept": "application/json", "User-Agent": "animusic/0.1"},
    )
