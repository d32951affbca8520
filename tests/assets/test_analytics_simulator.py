"""scripts/simulate_traffic.py against the real API (uvicorn on 127.0.0.1, stopped by PID):
dev mode with plain usernames and auth mode with session tokens; the engagement asset then
reads what the simulated listeners did."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import httpx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sqlalchemy import create_engine, text

from animusic_assets.defs.analytics.engagement import engagement_report
from animusic_assets.defs.analytics.resources import ServingDatabaseResource
from animusic_serving.api.auth import SessionSigner
from animusic_serving.bundle_builder import BundleBuilder

REPO = Path(__file__).resolve().parents[2]
SECRET = "simulator-test-secret-" + "y" * 32


def publish_bundle(root: Path, n_anime: int = 12, per_anime: int = 3) -> None:
    rng = np.random.default_rng(0)
    anime = [a + 1 for a in range(n_anime) for _ in range(per_anime)]
    n = len(anime)
    songs = pd.DataFrame(
        {
            "song_id": [f"s{i}" for i in range(n)],
            "anime_id": np.asarray(anime, dtype=np.int64),
            "relation": ["opening"] * n,
            "title": [f"Song {i}" for i in range(n)],
            "anime_title": [f"Anime {a}" for a in anime],
            "artists": [[f"Artist {i % 5}"] for i in range(n)],
            "links": [json.dumps([{"platform": "youtube", "video_id": None, "url": None}])] * n,
        }
    )
    builder = BundleBuilder(songs)
    centres = rng.normal(size=(n_anime, 8))
    builder.add_dense("minilm", centres[np.asarray(anime) - 1] + 0.3 * rng.normal(size=(n, 8)))
    counts = rng.random((n, 12)) + np.eye(12)[(np.asarray(anime) - 1) % 12] * 2
    builder.add_tfidf(sp.csr_matrix(counts), {f"t{j}": j for j in range(12)}, np.ones(12))
    builder.add_scores("popular", rng.random(n))
    builder.add_model("random")
    builder.publish(root, catalog_hash="simulator-test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, database_url: str, bundle_dir: Path, log: Path, env: dict):
        self.url = f"http://127.0.0.1:{free_port()}"
        full = {k: v for k, v in os.environ.items() if not k.startswith("ANIMUSIC_")}
        full.update(
            {"ANIMUSIC_DATABASE_URL": database_url, "ANIMUSIC_BUNDLE_DIR": str(bundle_dir), **env}
        )
        self.log = open(log, "wb")  # noqa: SIM115 (the server writes to it until stopped)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "animusic_serving",
                "--host",
                "127.0.0.1",
                "--port",
                self.url.rsplit(":", 1)[1],
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=full,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, log.read_text()
            try:
                if httpx.get(self.url + "/health/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start; see {log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # by PID
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def simulate(api: str, bundle_dir: Path, *args: str) -> tuple[int, dict | None, str]:
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "simulate_traffic.py"),
            "--api",
            api,
            "--bundle-dir",
            str(bundle_dir),
            "--user-lists",
            "",
            *args,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    return proc.returncode, (json.loads(last) if last.startswith("{") else None), proc.stderr


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim") / "bundles"
    publish_bundle(root)
    return root


def test_dev_mode_traffic_feeds_the_engagement_report(database_url, bundle_dir, tmp_path):
    server = Server(database_url, bundle_dir, tmp_path / "api.log", {"ANIMUSIC_DEV_MODE": "1"})
    try:
        code, stats, err = simulate(
            server.url,
            bundle_dir,
            "--users",
            "4",
            "--playlists",
            "5",
            "--seconds",
            "40",
            "--record",
            str(tmp_path / "runs.jsonl"),
        )
    finally:
        server.stop()
    assert code == 0, err
    assert stats["users"] == 4 and stats["playlists"] == 20 and stats["errors"] == 0, (stats, err)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        shown = conn.execute(text("SELECT count(*) FROM impressions")).scalar_one()
        rows = conn.execute(
            text(
                "SELECT count(*), count(*) FILTER (WHERE liked) FROM feedback "
                "JOIN users ON users.id = feedback.user_id "
                "WHERE username LIKE 'sim_%'"
            )
        ).one()
    engine.dispose()
    assert shown >= 20 and rows == (stats["feedback"], stats["likes"])
    run = json.loads((tmp_path / "runs.jsonl").read_text())  # what the reports' origin reads
    assert (run["users"], run["playlists"], run["seed"]) == (4, 5, 0)
    assert len(run["usernames"]) == 4 and all(u.startswith("sim_") for u in run["usernames"])
    assert run["user_source"] == "seeded synthetic users from the served catalog"
    result = dg.materialize(
        [engagement_report],
        resources={"serving_db": ServingDatabaseResource(url=database_url)},
        run_config={"ops": {"engagement_report": {"config": {"reports_dir": str(tmp_path)}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    meta = result.asset_materializations_for_node("engagement_report")[0].metadata
    assert meta["impressions"].value == shown and meta["users"].value == 4
    assert meta["feedback_without_impression"].value == 0
    summary = pd.read_csv(tmp_path / "analytics" / "engagement_by_model.csv", index_col="model")
    assert summary["likes"].sum() == stats["likes"]
    assert (summary["skipped_before_play"] == 0).all()  # every shown song was reported


def test_auth_mode_uses_session_tokens(database_url, bundle_dir, tmp_path):
    server = Server(
        database_url, bundle_dir, tmp_path / "api.log", {"ANIMUSIC_SESSION_SECRET": SECRET}
    )
    try:
        code, stats, _ = simulate(server.url, bundle_dir, "--users", "1", "--playlists", "1")
        assert code == 1 and stats["errors"] > 0  # no token, no dev mode: refused
        token, _ = SessionSigner(SECRET, 3600).issue("tokenuser", None)
        code, stats, err = simulate(
            server.url, bundle_dir, "--token", f"tokenuser={token}", "--playlists", "2"
        )
    finally:
        server.stop()
    assert code == 0 and stats["playlists"] == 2 and stats["errors"] == 0, (stats, err)


def test_refuses_other_hosts(bundle_dir):
    code, _, err = simulate("http://example.com", bundle_dir)
    assert code != 0 and "127.0.0.1 / localhost only" in err
