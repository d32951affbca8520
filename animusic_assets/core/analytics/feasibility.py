"""Feasibility arithmetic: time per pipeline step (from run records the caller reads), requests
per host (from the page cache and rate-limiter state), sizes, days to collect N anime under
the rate limits, and a monthly cost from a price table. No Dagster here."""

from __future__ import annotations

import json
import math
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

STEP_COLUMNS = [
    "run_id",
    "job",
    "partition",
    "step_key",
    "asset",
    "status",
    "start",
    "end",
    "duration_s",
    "kind",
]


def step_summary(steps: pd.DataFrame, by: tuple[str, ...] = ("asset",)) -> pd.DataFrame:
    """Per asset (or per asset and partition): successful steps, failures, median / mean / max
    / total seconds of the successful ones."""
    if steps.empty:
        return pd.DataFrame(columns=["steps", "failures", "median_s", "mean_s", "max_s", "total_s"])
    keys = list(by)
    ok = steps[steps["status"] == "SUCCESS"]
    failed = steps[steps["status"] != "SUCCESS"].groupby(keys).size()
    table = ok.groupby(keys)["duration_s"].agg(
        steps="size", median_s="median", mean_s="mean", max_s="max", total_s="sum"
    )
    table.insert(1, "failures", failed.reindex(table.index).fillna(0).astype(int))
    missing = failed.index.difference(table.index)
    if len(missing):  # steps that only ever failed
        extra = pd.DataFrame({"steps": 0, "failures": failed[missing]}, index=missing)
        table = pd.concat([table, extra])
    return table.sort_values("total_s", ascending=False)


def build_seconds(summary: pd.DataFrame, partitioned_assets: set[str]) -> float:
    """One full build: the sum of the median step time of every unpartitioned asset."""
    if summary.empty:
        return 0.0
    keep = [a for a in summary.index if a not in partitioned_assets]
    return float(summary.loc[keep, "median_s"].fillna(0).sum())


# --------------------------------------------------------------------------- requests per host


def requests_per_host(ingest_dir: str | Path) -> tuple[pd.DataFrame, str]:
    """Pages in the live ingestion's page cache per host (each is one successful request),
    first/last fetch, and today's count from the rate limiter. Returns (table, note)."""
    root = Path(ingest_dir)
    pages, limiter = root / "pages", root / "ratelimit.sqlite3"
    if not pages.is_dir() and not limiter.is_file():
        return pd.DataFrame(), (
            f"no live ingestion state under {root} (no page cache, no "
            f"rate-limiter file): requests per host cannot be measured here; "
            f"the collection estimate below is computed from the limits"
        )
    rows = []
    for path in pages.rglob("*.json") if pages.is_dir() else []:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            rows.append(
                (
                    urlsplit(entry["url"]).hostname or "?",
                    float(entry["fetched_at"]),
                    path.stat().st_size,
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    frame = pd.DataFrame(rows, columns=["host", "fetched_at", "bytes"])
    table = frame.groupby("host").agg(
        cached_pages=("fetched_at", "size"),
        first_fetch=("fetched_at", "min"),
        last_fetch=("fetched_at", "max"),
        cache_bytes=("bytes", "sum"),
    )
    if not table.empty:
        span_h = (table["last_fetch"] - table["first_fetch"]) / 3600
        table["pages_per_hour"] = (table["cached_pages"] / span_h.where(span_h > 0)).round(1)
        for col in ("first_fetch", "last_fetch"):
            table[col] = pd.to_datetime(table[col], unit="s", utc=True).dt.strftime(
                "%Y-%m-%d %H:%M"
            )
    note = f"{len(frame)} cached pages under {pages}"
    if limiter.is_file():
        try:
            with sqlite3.connect(f"file:{limiter}?mode=ro", uri=True) as con:
                state = con.execute(
                    "SELECT host, day, day_count, blocked_until, reason FROM hosts"
                ).fetchall()
            lim = pd.DataFrame(
                state,
                columns=[
                    "limiter_host",
                    "day",
                    "requests_that_day",
                    "blocked_until",
                    "block_reason",
                ],
            )
            note += "; rate limiter: " + ", ".join(
                f"{r.limiter_host} {r.requests_that_day} requests on {r.day or '–'}"
                + (f" (blocked: {r.block_reason})" if r.block_reason else "")
                for r in lim.itertuples()
            )
        except sqlite3.Error as exc:
            note += f"; rate-limiter state unreadable: {exc}"
    else:
        note += "; no rate-limiter state file"
    return table, note


# --------------------------------------------------------------------------- sizes


def dir_size(path: str | Path) -> int | None:
    """Bytes under ``path`` (files only, links not followed); None when it does not exist."""
    root = Path(path)
    if not root.exists():
        return None
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += (Path(dirpath) / name).lstat().st_size
            except OSError:
                pass
    return total


# --------------------------------------------------------------------------- collection


@dataclass(frozen=True)
class CollectionLimits:
    mal_rate_per_s: float = 1.0
    anidb_rate_per_s: float = 0.5
    anidb_daily_cap: int = 200
    youtube_rate_per_s: float = 0.5
    songs_per_anime: float = 6.4
    youtube_requests_per_song: int = 2
    mal_ranking_page_size: int = 500
    mal_requests_per_anime: int = 2  # API details + the anime page (AniDB link)


def collection_plan(n_anime: int, limits: CollectionLimits = CollectionLimits()) -> pd.DataFrame:
    """Requests and time per source to collect ``n_anime``; sources are separate hosts and run
    in parallel, so the total is the slowest source. Days count the daily cap."""
    songs = n_anime * limits.songs_per_anime
    plan = [
        (
            "MAL (API + pages)",
            math.ceil(n_anime / limits.mal_ranking_page_size)
            + limits.mal_requests_per_anime * n_anime,
            limits.mal_rate_per_s,
            None,
        ),
        ("AniDB", n_anime, limits.anidb_rate_per_s, limits.anidb_daily_cap),
        (
            "YouTube (search + watch)",
            math.ceil(limits.youtube_requests_per_song * songs),
            limits.youtube_rate_per_s,
            None,
        ),
    ]
    rows = []
    for source, requests, rate, cap in plan:
        hours = requests / rate / 3600
        days = max(hours / 24, requests / cap if cap else 0.0)
        rows.append(
            {
                "source": source,
                "requests": int(requests),
                "rate_per_s": rate,
                "daily_cap": cap,
                "hours_of_requests": round(hours, 2),
                "days": round(days, 2),
                "calendar_days": math.ceil(days) if days else 0,
            }
        )
    return pd.DataFrame(rows).set_index("source")


# --------------------------------------------------------------------------- cost


def monthly_cost(
    prices: dict[str, float], storage_gb: float, build_hours: float, builds_per_month: float
) -> pd.DataFrame:
    """Lines of a monthly bill. ``prices`` keys: ``app_host_per_month`` (API + Dagster
    webserver/daemon), ``database_per_month``, ``storage_per_gb_month``,
    ``compute_per_hour`` (on-demand machine for the builds; 0 when they run on the app host)."""
    lines = [
        ("app host (API + Dagster)", 1.0, "month", prices.get("app_host_per_month", 0.0)),
        ("managed PostgreSQL", 1.0, "month", prices.get("database_per_month", 0.0)),
        (
            "storage (bundles, caches, databases)",
            storage_gb,
            "GB-month",
            prices.get("storage_per_gb_month", 0.0),
        ),
        (
            "pipeline builds",
            build_hours * builds_per_month,
            "compute hours",
            prices.get("compute_per_hour", 0.0),
        ),
    ]
    table = pd.DataFrame(lines, columns=["item", "quantity", "unit", "unit_price"])
    table["monthly"] = table["quantity"] * table["unit_price"]
    total = pd.DataFrame(
        [
            {
                "item": "total",
                "quantity": float("nan"),
                "unit": "",
                "unit_price": float("nan"),
                "monthly": table["monthly"].sum(),
            }
        ]
    )
    return pd.concat([table, total], ignore_index=True).set_index("item")


# --------------------------------------------------------------------------- stages

STAGES = ("collection", "cleaning", "training", "publish", "evaluation", "analytics", "other")


def step_stage(asset: str) -> str:
    """Which pipeline stage an asset's step belongs to, by the project's asset names."""
    name = asset.split(",")[0].split("/")[-1]
    if name.startswith(
        (
            "mal_",
            "anidb_",
            "youtube_",
            "anilist_",
            "animethemes_",
            "single_anime",
            "anime_records",
            "raw_",
            "scraped",
        )
    ):
        return "collection"
    if name in ("catalog", "song_documents") or name.startswith(("catalog_", "clean")):
        return "cleaning"
    if name.endswith("_model") or name == "model":
        return "training"
    if name in ("model_bundle",) or name.startswith("publish"):
        return "publish"
    if "evaluation" in name:
        return "evaluation"
    if name.endswith("_report"):
        return "analytics"
    return "other"
