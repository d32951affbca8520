"""Failure modes: no bundle, corrupt bundle, hot swap, database down, unexpected errors,
missing settings. No stack trace ever reaches a client."""

import os
import socket
import subprocess
import sys

from animusic_serving.api.routers import playlist as playlist_router
from animusic_serving.bundle import set_current

PARAMS = {"anilist_username": "ann"}


def test_live_and_ready(client):
    assert client.get("/health/live").json() == {"status": "alive"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "bundle_version": "v1",
        "database": "ok",
        "reasons": [],
        "failed_swap": None,
    }


def test_openapi_schema_is_served(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/playlist", "/feedback", "/upload_anilist_profile", "/health/ready"} <= set(paths)


def test_missing_bundle_is_503_with_the_reason(client_factory, tmp_path, db_session, publish):
    with client_factory(tmp_path / "empty", session=db_session) as client:
        response = client.get("/playlist", params=PARAMS)
        assert response.status_code == 503
        assert "no bundle published yet" in response.json()["detail"]
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["database"] == "ok"
        assert "no bundle published yet" in ready.json()["reasons"][0]
        assert client.get("/health/live").status_code == 200
        publish(tmp_path / "empty", version="late")  # published while serving: picked up
        assert client.get("/playlist", params=PARAMS).json()["bundle_version"] == "late"
        assert client.get("/health/ready").status_code == 200


def test_corrupt_bundle_is_503_with_the_reason(client_factory, bundle_root, db_session):
    (bundle_root / "versions" / "v1" / "minilm.npy").write_bytes(b"not a numpy file")
    with client_factory(bundle_root, session=db_session) as client:
        response = client.get("/playlist", params=PARAMS)
        assert response.status_code == 503
        assert "minilm.npy" in response.json()["detail"]
        assert client.get("/health/ready").status_code == 503


def test_new_bundle_is_swapped_in_and_a_broken_one_keeps_the_old(
    client_factory, bundle_root, publish, db_session
):
    with client_factory(bundle_root, session=db_session) as client:
        assert client.get("/playlist", params=PARAMS).json()["bundle_version"] == "v1"
        publish(bundle_root, version="v2", models=("tfidf", "popular"))
        body = client.get("/playlist", params=PARAMS).json()
        assert body["bundle_version"] == "v2"
        assert sorted(i["recommended_by"] for i in body["items"]) == ["popular", "tfidf"]
        publish(bundle_root, version="v3")
        (bundle_root / "versions" / "v3" / "manifest.json").write_text("{broken")
        set_current(bundle_root, "v3")
        assert client.get("/playlist", params=PARAMS).json()["bundle_version"] == "v2"
        assert client.get("/health/ready").json()["bundle_version"] == "v2"


def test_database_down_is_503_database_unavailable(bundle_root, tmp_path):
    from fastapi.testclient import TestClient

    from animusic_serving.api.app import create_app
    from animusic_serving.api.settings import Settings

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(
        Settings(
            database_url=f"postgresql+psycopg2://postgres@127.0.0.1:{port}/x",
            bundle_dir=bundle_root,
            dev_mode=True,
        )
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/playlist", params=PARAMS)
        assert (response.status_code, response.json()) == (503, {"detail": "database unavailable"})
        ready = client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["database"] == "unavailable"
        assert ready.json()["bundle_version"] == "v1"


def test_unexpected_error_is_a_bare_500(client_factory, bundle_root, db_session, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(playlist_router, "plan_playlist", explode)
    with client_factory(bundle_root, session=db_session, raise_server_exceptions=False) as client:
        response = client.get("/playlist", params=PARAMS)
    assert (response.status_code, response.json()) == (500, {"detail": "internal error"})
    assert "secret" not in response.text and "Traceback" not in response.text


def test_cli_without_settings_prints_one_line_and_exits_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANIMUSIC_")}
    proc = subprocess.run(
        [sys.executable, "-m", "animusic_serving"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "error: ANIMUSIC_DATABASE_URL is required; ANIMUSIC_BUNDLE_DIR is required"
    ]
    env["ANIMUSIC_DATABASE_URL"] = "sqlite:///x.db"
    env["ANIMUSIC_BUNDLE_DIR"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "animusic_serving"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1
    assert proc.stderr.startswith("error: ANIMUSIC_DATABASE_URL is invalid")
