"""GET /metrics counts requests by route template, with latency percentiles and CPU."""

import time

from fastapi import FastAPI
from fastapi.testclient import TestClient

from animusic_serving.api import metrics


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/songs/{song_id}")
    def song(song_id: str) -> dict:
        end = time.process_time() + 0.002  # spend a little CPU
        while time.process_time() < end:
            pass
        return {"id": song_id}

    metrics.install(app)
    return app


def test_counts_by_route_template_with_latency_and_cpu():
    with TestClient(make_app()) as client:
        for i in range(5):
            assert client.get(f"/songs/s{i}").status_code == 200
        assert client.get("/nowhere").status_code == 404
        body = client.get("/metrics").json()
    route = body["routes"]["GET /songs/{song_id}"]
    assert route["count"] == 5 and route["errors"] == 0 and route["latency_window"] == 5
    assert 0 < route["latency_ms_p50"] <= route["latency_ms_p95"] <= route["latency_ms_p99"]
    assert route["cpu_ms_per_request"] >= 1.5  # the 2 ms busy loop, measured
    assert body["routes"]["other"]["count"] == 1  # the unmatched path
    assert body["process_cpu_s"] > 0 and body["pid"] > 0
