"""Per-client limits for the endpoints that spend a shared upstream budget (AniList, MAL):
sign-in and list imports.

One process-wide interval per site (``clients.base.MinIntervalLimiter``) protects the *site*;
it cannot tell callers apart, so a few abusive clients used to fill it and every real sign-in
got 503. These limits sit in front of it, per caller, with the ``limits`` library (moving
windows, in-process memory): sign-in per client address, imports per user *and* per client
address. A caller over its limit gets ``429`` with ``Retry-After`` before anything is sent
upstream. With the defaults (sign-in ``3/minute`` per address, AniList ``30/minute`` with a
burst of 30) up to nine addresses at their limit leave room for everyone else.

The client address is the connection's peer as uvicorn reports it: behind a reverse proxy,
start uvicorn with ``--forwarded-allow-ips`` (``FORWARDED_ALLOW_IPS``) naming the proxy, and
the address comes from its ``X-Forwarded-For``; no other source is trusted. Limits are per
process (``--workers N`` multiplies them by N).
"""

from __future__ import annotations

import math
import time
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from animusic_serving.api.auth import CurrentUser, Principal


def parse_limits(text: str) -> list[RateLimitItem]:
    """``"3/minute;20/hour"`` -> limits; ``ValueError`` names what is wrong."""
    try:
        items = parse_many(text)
    except ValueError as exc:
        raise ValueError(f"not a rate limit like '3/minute;20/hour': {exc}") from None
    if not items:
        raise ValueError("no rate limit given (e.g. '3/minute;20/hour')")
    return list(items)


class ClientLimits:
    def __init__(self, sign_in: str, imports: str):
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.sign_in = parse_limits(sign_in)
        self.imports = parse_limits(imports)

    def spend(self, scope: str, items: list[RateLimitItem], *keys: str) -> None:
        """Count one request against every limit of every key, or raise 429 (counting
        nothing) when any of them is used up."""
        for key in keys:
            for item in items:
                if not self._limiter.test(item, scope, key):
                    reset = self._limiter.get_window_stats(item, scope, key).reset_time
                    retry = max(1, math.ceil(reset - time.time()))
                    raise HTTPException(
                        status.HTTP_429_TOO_MANY_REQUESTS,
                        detail=f"too many {scope} requests ({item}); retry in {retry} s",
                        headers={"Retry-After": str(retry)},
                    )
        for key in keys:
            for item in items:
                self._limiter.hit(item, scope, key)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_sign_in(request: Request) -> None:
    limits: ClientLimits = request.app.state.client_limits
    limits.spend("sign-in", limits.sign_in, f"addr:{client_address(request)}")


async def limit_import(request: Request, principal: CurrentUser) -> Principal:
    """The caller's principal, after counting the import against the user (when known) and
    the client address."""
    limits: ClientLimits = request.app.state.client_limits
    keys = [f"addr:{client_address(request)}"]
    if principal.username is not None:
        keys.append(f"user:{principal.username}")
    limits.spend("import", limits.imports, *keys)
    return principal


SignInLimit = Depends(limit_sign_in)
ImportingUser = Annotated[Principal, Depends(limit_import)]
