"""`make smoke`: one playlist for the demo user, at least three items, then stop."""

from __future__ import annotations

import json
import time

from animusic_devtools.demo.common import DemoError, say
from animusic_devtools.demo.context import RunContext
from animusic_devtools.demo.probes import http_get


def run(ctx: RunContext) -> None:
    url = f"{ctx.api_url}/playlist?anilist_username=demo"
    t = time.monotonic()
    status, body = http_get(url, timeout=60)
    took = time.monotonic() - t
    if status != 200:
        raise DemoError(f"GET {url} -> {status}: {body[:500]!r}")
    try:
        payload = json.loads(body)
    except ValueError:
        raise DemoError(f"GET {url}: not JSON: {body[:300]!r}") from None
    items = payload.get("items") if isinstance(payload, dict) else payload
    if not isinstance(items, list) or len(items) < 3:
        raise DemoError(f"GET {url}: expected >= 3 items, got {body[:500]!r}")
    say(f"GET /playlist?anilist_username=demo -> {len(items)} items in {took * 1000:.0f} ms")
    for item in items:
        if isinstance(item, dict):
            print(
                f"    {item.get('recommended_by', '?'):>8}  {item.get('title')!s:40.40}  "
                f"({item.get('anime_title')})",
                flush=True,
            )
