"""The price sheet (a TOML file the operator edits), hosting sized from the measured CPU per
playlist, and the service's own metrics turned into per-1,000-playlist figures. No Dagster."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pandas as pd

from animusic_assets.core.analytics.feasibility import monthly_cost

SECONDS_PER_MONTH = 30 * 86400
PLAYLIST_ROUTE = "GET /playlist"


def read_prices(path: str | Path) -> dict:
    """The price sheet; a clear error naming the file and the missing key."""
    p = Path(path)
    try:
        sheet = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(
            f"price sheet {p} not found (set prices_file or ANIMUSIC_PRICES_FILE)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"price sheet {p} is not valid TOML: {exc}") from None
    for section, key in (
        ("app_host", "usd_per_month"),
        ("app_host", "vcpus"),
        ("database", "usd_per_month"),
        ("traffic", "playlists_per_month"),
    ):
        if key not in sheet.get(section, {}):
            raise ValueError(f"price sheet {p}: missing [{section}] {key}")
    return sheet


def serving_table(snapshot: dict) -> pd.DataFrame:
    """Per route from ``GET /metrics``: requests, latency p50/p95/p99 (ms), CPU ms/request."""
    rows = [
        {
            "route": name,
            "requests": r["count"],
            "p50 ms": r["latency_ms_p50"],
            "p95 ms": r["latency_ms_p95"],
            "p99 ms": r["latency_ms_p99"],
            "CPU ms / request": r["cpu_ms_per_request"],
        }
        for name, r in snapshot.get("routes", {}).items()
    ]
    return pd.DataFrame(
        rows, columns=["route", "requests", "p50 ms", "p95 ms", "p99 ms", "CPU ms / request"]
    ).set_index("route")


def cpu_s_per_1000_playlists(snapshot: dict) -> float | None:
    """CPU seconds per 1,000 playlists: the playlist route's own CPU, plus the feedback and
    other calls a listener makes per playlist, shared out per playlist served."""
    routes = snapshot.get("routes", {})
    playlists = routes.get(PLAYLIST_ROUTE, {}).get("count", 0)
    if not playlists:
        return None
    cpu = sum(r["cpu_s"] for name, r in routes.items() if name != "GET /metrics")
    return 1000 * cpu / playlists


def hosting(
    sheet: dict,
    cpu_per_1000: float | None,
    storage_gb: float,
    build_hours: float,
    builds_per_month: float,
) -> tuple[pd.DataFrame, dict]:
    """The monthly bill at the sheet's traffic, with as many app hosts as the measured CPU
    needs at the target utilisation (at least one)."""
    host, traffic = sheet["app_host"], sheet["traffic"]
    playlists = float(traffic["playlists_per_month"])
    util = float(traffic.get("target_cpu_utilisation", 0.5))
    capacity = host["vcpus"] * SECONDS_PER_MONTH * util  # CPU seconds a host may spend
    cpu_needed = playlists * cpu_per_1000 / 1000 if cpu_per_1000 is not None else None
    hosts = max(1, math.ceil(cpu_needed / capacity)) if cpu_needed else 1
    cost = monthly_cost(
        {
            "app_host_per_month": host["usd_per_month"] * hosts,
            "database_per_month": sheet["database"]["usd_per_month"],
            "storage_per_gb_month": sheet.get("storage", {}).get("usd_per_gb_month", 0.0),
            "compute_per_hour": sheet.get("builds", {}).get("compute_usd_per_hour", 0.0),
        },
        storage_gb=storage_gb,
        build_hours=build_hours,
        builds_per_month=builds_per_month,
    )
    cost = cost.rename(
        index={"app host (API + Dagster)": f"app host × {hosts} ({host.get('name', 'VM')})"}
    )
    max_playlists = capacity * 1000 / cpu_per_1000 if cpu_per_1000 else None
    info = {
        "hosts": hosts,
        "playlists_per_month": playlists,
        "cpu_s_needed": cpu_needed,
        "host_capacity_playlists_per_month": max_playlists,
        "monthly_usd": float(cost.loc["total", "monthly"]),
        "store_fee_usd": float(sheet.get("one_off", {}).get("store_fee_usd", 0.0)),
    }
    return cost, info
