"""Playable AnimeThemes links for the demo snapshot, resolved in one bounded step.

``resolve_demo_links`` asks AnimeThemes for every snapshot anime (162 anime = 2 requests of
100) through the polite fetcher (shared limiter, 14-day page cache, so a second ``make run``
costs no request) and writes the themes to a file under ``.data/`` (never into the package).
``DemoSnapshotSource`` overlays that file, so the bundle's songs carry ``animethemes`` links.
Without network it returns at once (short connect timeout, few attempts, a hard deadline) with
one line saying songs open as YouTube searches; nothing is written then. No Dagster here.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx

from animusic_assets.sources.animethemes_client import (
    HOST,
    RATE_PER_S,
    ThemesResult,
    base_url,
    fetch_themes,
    short_reason,
)
from animusic_assets.sources.animethemes_match import with_animethemes_links
from animusic_assets.sources.page_cache import PageCache, write_json_atomic
from animusic_assets.sources.polite_fetcher import PoliteFetcher, RetryPolicy
from animusic_assets.sources.rate_limiter import HostLimit, RateLimiter

LINKS_ENV = "ANIMUSIC_DEMO_LINKS"  # the file DemoSnapshotSource overlays (unset: none)
CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 20.0
DEADLINE_S = 45.0  # the whole step, whatever the network does
SEARCH_FALLBACK = "songs open as YouTube searches"


@dataclass
class DemoLinksOutcome:
    ok: bool
    message: str  # one line for the demo's log
    requests: int = 0
    linked_songs: int = 0


def _fetch(base: str, mal_ids: list[int], state_dir: Path, deadline_s: float) -> ThemesResult:
    limiter = RateLimiter(state_dir / "ratelimit.sqlite3", {HOST: HostLimit(RATE_PER_S)})
    timeout = httpx.Timeout(
        min(READ_TIMEOUT_S, deadline_s), connect=min(CONNECT_TIMEOUT_S, deadline_s)
    )
    with httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        headers={"User-Agent": "Animusic/0.1 (anime-song recommender demo)"},
    ) as client:
        fetcher = PoliteFetcher(
            limiter,
            PageCache(state_dir / "pages"),
            client,
            RetryPolicy(
                attempts=2,
                backoff_base_s=1.0,
                max_backoff_s=5.0,
                max_retry_after_s=10.0,
                ban_cooldown_s=3600.0,
            ),
        )
        return fetch_themes(fetcher, base, mal_ids)


def resolve_demo_links(
    records: list[dict], base: str, out_path: Path, state_dir: Path, deadline_s: float = DEADLINE_S
) -> DemoLinksOutcome:
    """Fetch the themes of ``records`` and write them to ``out_path``; never raises for the
    network and never takes much longer than ``deadline_s``."""
    box: dict = {}

    def work() -> None:
        try:
            box["result"] = _fetch(base, [r["mal_id"] for r in records], state_dir, deadline_s)
        except Exception as exc:  # any failure means "no links this time"
            box["error"] = short_reason(exc)

    worker = threading.Thread(target=work, name="animethemes-demo-links", daemon=True)
    worker.start()
    worker.join(deadline_s)
    if "result" not in box:
        why = box.get("error") or f"no answer within {deadline_s:.0f} s"
        return DemoLinksOutcome(False, f"AnimeThemes not reachable ({why}): {_fallback(out_path)}")
    result: ThemesResult = box["result"]
    themes = {str(k): [t.to_dict() for t in v] for k, v in sorted(result.themes.items())}
    write_json_atomic(out_path, {"source": base, "fetched_at": result.fetched_at, "themes": themes})
    _, linked = overlay_snapshot(records, out_path)
    n_songs = sum(len(r.get("songs") or []) for r in records)
    return DemoLinksOutcome(
        True,
        f"AnimeThemes: playable links for {linked} of {n_songs} songs "
        f"({len(themes)} of {len(records)} anime, {result.requests} requests)",
        result.requests,
        linked,
    )


def _fallback(out_path: Path) -> str:
    previous = load_demo_links(out_path)
    if previous and previous.get("fetched_at"):
        day = dt.datetime.fromtimestamp(previous["fetched_at"], dt.UTC).date().isoformat()
        return f"using the links fetched on {day}"
    return SEARCH_FALLBACK


def load_demo_links(path: str | Path | None) -> dict | None:
    """The resolved links file, or None when there is none (or it cannot be read)."""
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("themes"), dict) else None


def overlay_record(record: dict, links: dict | None) -> dict:
    """``record`` with its songs' AnimeThemes links added (a copy; the same record without)."""
    themes = (links or {}).get("themes", {}).get(str(record.get("mal_id")))
    if not themes:
        return record
    stored = {"themes": themes, "fetched_at": links.get("fetched_at")}  # type: ignore[union-attr]
    return {**record, "songs": with_animethemes_links(list(record.get("songs") or []), stored)}


def overlay_snapshot(records: list[dict], path: str | Path | None) -> tuple[list[dict], int]:
    """The snapshot with the file's links overlaid, and how many songs got one."""
    links = load_demo_links(path)
    if links is None:
        return records, 0
    out = [overlay_record(r, links) for r in records]
    linked = sum(
        any(link.get("platform") == "animethemes" for link in s.get("links") or [])
        for r in out
        for s in r.get("songs") or []
    )
    return out, linked


def demo_links_step(data_dir: Path, env: dict) -> str:
    """``make run``'s step: resolve the snapshot's links into ``data_dir`` and point
    ``env[ANIMUSIC_DEMO_LINKS]`` at the file; returns the line to print."""
    from animusic_assets import demo

    out_path = Path(data_dir) / "animethemes" / "demo_links.json"
    env[LINKS_ENV] = str(out_path)
    # the live ingest's limiter state and page cache: one budget per host for both
    outcome = resolve_demo_links(
        demo.load_snapshot(), base_url(env), out_path, Path(data_dir) / "ingest"
    )
    return outcome.message
