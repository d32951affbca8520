"""The service's own numbers, cheap enough to keep on: per route, the request count, latency
percentiles over the last requests, and the process CPU spent while requests ran.

``RequestMetrics`` is a pure ASGI middleware (no per-request allocation beyond one float in a
bounded deque); ``GET /metrics`` returns a JSON snapshot of this worker process (with several
uvicorn workers, each answers for itself and says its pid). The feasibility report reads it
for latency and CPU per 1,000 playlists. CPU is ``time.process_time()`` measured around each
request: exact when requests run one at a time, an upper bound when they overlap.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from fastapi import APIRouter, FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WINDOW = 10_000  # latencies kept per route


@dataclass
class RouteStats:
    count: int = 0
    errors: int = 0
    cpu_s: float = 0.0
    latencies_ms: deque = field(default_factory=lambda: deque(maxlen=WINDOW))


class MetricsStore:
    def __init__(self) -> None:
        self.started = time.time()
        self.cpu_at_start = time.process_time()
        self.routes: dict[str, RouteStats] = {}
        self._lock = threading.Lock()

    def record(self, route: str, seconds: float, cpu_s: float, status: int) -> None:
        with self._lock:
            stats = self.routes.setdefault(route, RouteStats())
            stats.count += 1
            stats.errors += status >= 500
            stats.cpu_s += cpu_s
            stats.latencies_ms.append(seconds * 1000)

    def snapshot(self) -> dict:
        with self._lock:
            routes = {}
            for name, s in sorted(self.routes.items()):
                lat = np.fromiter(s.latencies_ms, dtype=float)
                p50, p95, p99 = (
                    np.percentile(lat, [50, 95, 99]).round(3).tolist()
                    if len(lat)
                    else (None, None, None)
                )
                routes[name] = {
                    "count": s.count,
                    "errors": s.errors,
                    "latency_ms_p50": p50,
                    "latency_ms_p95": p95,
                    "latency_ms_p99": p99,
                    "latency_window": len(lat),
                    "cpu_s": round(s.cpu_s, 6),
                    "cpu_ms_per_request": round(1000 * s.cpu_s / s.count, 4) if s.count else None,
                }
        return {
            "pid": os.getpid(),
            "started_at": self.started,
            "uptime_s": round(time.time() - self.started, 3),
            "process_cpu_s": round(time.process_time() - self.cpu_at_start, 6),
            "routes": routes,
        }


class RequestMetrics:
    """ASGI middleware: times every HTTP request by its route template (``GET /playlist``,
    ``GET /songs/{song_id}/similar``), unmatched paths as ``other``."""

    def __init__(self, app: ASGIApp, store: MetricsStore) -> None:
        self.app, self.store = app, store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        t0, c0 = time.perf_counter(), time.process_time()
        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            name = (
                f"{scope['method']} {route.path}"
                if route is not None and hasattr(route, "path")
                else "other"
            )
            self.store.record(
                name, time.perf_counter() - t0, time.process_time() - c0, status["code"]
            )


router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Request counts, latency percentiles and CPU of this worker")
def metrics(request: Request) -> dict:
    return request.app.state.metrics.snapshot()


def install(app: FastAPI) -> None:
    app.state.metrics = MetricsStore()
    app.include_router(router)
    app.add_middleware(RequestMetrics, store=app.state.metrics)
