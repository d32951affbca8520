"""Reliability against the real thing: uvicorn on 127.0.0.1 (started here, stopped by PID)
and a real PostgreSQL. Every loop is bounded by a count and a deadline."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from animusic_serving.api.auth import SessionSigner
from tests.conftest import _free_port, local_postgres
from tests.serving.conftest import SESSION_SECRET
from tests.serving.live_server import LiveServer

SIGNER = SessionSigner(SESSION_SECRET, 3600)
SECURE_ENV = {"ANIMUSIC_SESSION_SECRET": SESSION_SECRET, "ANIMUSIC_DEV_MODE": "0"}


def auth(username: str) -> dict:
    return {"Authorization": f"Bearer {SIGNER.issue(username, None)[0]}"}


@pytest.fixture(scope="module")
def store(tmp_path_factory, publish):
    root = tmp_path_factory.mktemp("live") / "bundles"
    publish(root, version="v1")
    return root


@pytest.fixture(scope="module")
def publish():
    from tests.serving.conftest import publish_synthetic

    return publish_synthetic


@pytest.fixture(scope="module")
def server(database_url, store, tmp_path_factory):
    live = LiveServer(
        database_url, store, tmp_path_factory.mktemp("logs") / "api.log", env=SECURE_ENV
    )
    yield live
    live.stop()


def report(username, song="s2", watch=1.0, total=100.0, liked=False):
    return {
        "song_id": song,
        "recommended_by": "tfidf",
        "watch_time": watch,
        "total_video_time": total,
        "liked": liked,
    }


def test_200_concurrent_reports_leave_one_row_with_the_maximum(server, database_url):
    user = f"racer-{uuid.uuid4().hex[:6]}"
    headers = auth(user)
    with httpx.Client(
        base_url=server.url, timeout=30, limits=httpx.Limits(max_connections=64)
    ) as client:

        def post(i):
            return client.post(
                "/feedback", headers=headers, json=report(user, watch=i * 0.5, liked=(i == 77))
            ).status_code

        with ThreadPoolExecutor(max_workers=48) as pool:
            statuses = list(pool.map(post, range(200)))
    assert statuses == [200] * 200
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT f.watch_time, f.total_video_time, f.liked FROM feedback f JOIN users u "
                    "ON u.id = f.user_id WHERE u.username = :u"
                ),
                {"u": user},
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [(99.5, 100.0, True)]


def test_bundle_swap_under_load_fails_no_request(server, store, publish):
    statuses, versions = [], set()
    stop = threading.Event()

    def hammer(n):
        headers = auth(f"swap-{n}")
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for _ in range(2000):  # bounded; stopped by the event long before
                if stop.is_set():
                    break
                response = client.get("/playlist", headers=headers)
                statuses.append(response.status_code)
                if response.status_code == 200:
                    versions.add(response.json()["bundle_version"])

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(3):
            time.sleep(0.5)
            publish(store, version=f"swap{i}", seed=i + 1)
        time.sleep(0.8)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert statuses and set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    assert "swap2" in versions and len(versions) >= 2


def test_oversized_and_malformed_bodies_are_4xx(server):
    headers = auth("bodies")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        big = b'{"mal_ids": [' + b"1," * 600_000 + b"1]}"
        response = client.post(
            "/upload_anilist_profile",
            content=big,
            headers={**headers, "content-type": "application/json"},
        )
        assert response.status_code == 413

        def chunks():  # no Content-Length: the limit holds while streaming too
            yield b'{"mal_ids": ['
            for _ in range(300):
                yield b"1," * 5000
            yield b"1]}"

        response = client.post(
            "/upload_anilist_profile",
            content=chunks(),
            headers={**headers, "content-type": "application/json"},
        )
        assert response.status_code == 413
        bad_bodies = [
            b"{",
            b"[]",
            b"null",
            b'"x"',
            b"\xff\xfe\x00",
            b'{"song_id": {}}',
            b'{"song_id": "s1", "recommended_by": "tfidf", "watch_time": "1e999",'
            b' "total_video_time": 1}',
            b'{"mal_ids": "1,2"}',
        ]
        for body in bad_bodies:
            for path in ("/feedback", "/upload_anilist_profile", "/auth/anilist"):
                response = client.post(
                    path, content=body, headers={**headers, "content-type": "application/json"}
                )
                assert 400 <= response.status_code < 500, (path, body, response.status_code)
        response = client.post(
            "/feedback", content=b"song_id=s1", headers={**headers, "content-type": "text/plain"}
        )
        assert response.status_code == 422
        assert (
            client.post(
                "/upload_anilist_profile", headers=headers, json={"mal_ids": list(range(1, 50_002))}
            ).status_code
            == 422
        )


def test_postgres_stopped_mid_load_then_recovery_keeps_every_acknowledged_write(store, tmp_path):
    """A Postgres of its own (scripts/local_postgres.py), so the session's is not disturbed."""
    from animusic_serving.db.migrate import upgrade

    base = Path(tempfile.mkdtemp(prefix="animusic-outage-"))
    base.chmod(0o755)
    data_dir, port = base / "data", _free_port()
    live = None
    try:
        pg = local_postgres.start(data_dir, port)
        url = pg.create_database("outage")
        upgrade(url)
        live = LiveServer(
            url,
            store,
            tmp_path / "api.log",
            env={**SECURE_ENV, "ANIMUSIC_DB_POOL_TIMEOUT_SECONDS": "3"},
        )
        acked: list[tuple[str, str, float]] = []
        outcomes: list[tuple[int, str]] = []
        phase = {"name": "before"}
        stop = threading.Event()

        def writer(n):
            user = f"w{n}"
            headers = auth(user)
            with httpx.Client(base_url=live.url, timeout=30) as client:
                for i in range(5000):
                    if stop.is_set():
                        break
                    song, watch = f"s{i % 20}", float(i)
                    try:
                        response = client.post(
                            "/feedback",
                            headers=headers,
                            json=report(user, song=song, watch=watch, total=10_000.0),
                        )
                    except httpx.HTTPError as exc:
                        outcomes.append((-1, type(exc).__name__))
                        continue
                    outcomes.append((response.status_code, phase["name"]))
                    if response.status_code == 200:
                        acked.append((user, song, watch))
                    elif response.status_code == 503:
                        assert response.json() == {"detail": "database unavailable"}
                        time.sleep(0.05)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.0)
            phase["name"] = "down"
            local_postgres.stop(data_dir)
            time.sleep(1.5)
            ready = httpx.get(live.url + "/health/ready", timeout=10)
            assert ready.status_code == 503 and ready.json()["database"] == "unavailable"
            phase["name"] = "up"
            local_postgres.start(data_dir, port)
            deadline = time.monotonic() + 30
            while (
                time.monotonic() < deadline
                and sum(1 for s, p in outcomes[-50:] if s == 200 and p == "up") < 20
            ):
                time.sleep(0.1)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        statuses = {s for s, _ in outcomes}
        assert statuses <= {200, 503}, {s: sum(1 for x, _ in outcomes if x == s) for s in statuses}
        assert any(s == 503 for s, p in outcomes if p == "down")
        assert sum(1 for s, p in outcomes if s == 200 and p == "up") >= 20  # recovered
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                stored = {
                    (u, s): w
                    for u, s, w in conn.execute(
                        text(
                            "SELECT u.username, f.song_id, f.watch_time FROM feedback f "
                            "JOIN users u ON u.id = f.user_id"
                        )
                    )
                }
        finally:
            engine.dispose()
        missing = [a for a in acked if stored.get(a[:2], -1.0) < a[2]]
        assert acked and not missing, f"{len(missing)} acknowledged writes lost: {missing[:5]}"
    finally:
        if live is not None:
            live.stop()
        local_postgres.stop(data_dir)
        shutil.rmtree(base, ignore_errors=True)
