"""A small `make run`: a published bundle, the real API (uvicorn on 127.0.0.1, stopped by PID)
on a migrated database holding seeded simulated listeners (tests/assets/analytics_data.py),
a few seconds of scripts/simulate_traffic.py through the API (so /metrics has playlists and
the simulator's run log names its settings), then the analytics assets in one Dagster
instance (so the feasibility report has run records) and the offline evaluation's report on
the same bundle. Used by the browser test and by scripts/screenshot_reports.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
from sqlalchemy import create_engine

from animusic_assets.core.evaluation import feedback_loop, ranking, report_html
from animusic_assets.core.evaluation.split import UserSplit
from animusic_assets.defs.analytics.adaptation import adaptation_report
from animusic_assets.defs.analytics.engagement import engagement_report
from animusic_assets.defs.analytics.feasibility import feasibility_report
from animusic_assets.defs.analytics.resources import ServingDatabaseResource
from animusic_serving.bundle import load_bundle
from animusic_serving.recommend.playlist import playlist_models
from tests.e2e.client_support import N_ANIME, REPO, ApiServer, publish_bundle

sys.path.insert(0, str(REPO / "tests" / "assets"))
import analytics_data

REPORTS = ("engagement", "adaptation", "feasibility", "evaluation")


def evaluation_page(bundle_dir: Path, out: Path, users: int = 40) -> Path:
    """The offline evaluation's report, from the core it runs, on seeded users of the bundle."""
    bundle = load_bundle(bundle_dir)
    rng = np.random.default_rng(3)
    splits = []
    for u in range(users):
        picks = rng.permutation(np.arange(1, N_ANIME + 1))[:4]
        splits.append(UserSplit(f"u{u}", np.sort(picks[:2]), np.sort(picks[2:])))
    per_user: list[pd.DataFrame] = []
    models = playlist_models(bundle)
    table = ranking.evaluate_ranking(bundle, splits, models, k=3, recall_k=6, per_user=per_user)
    events = feedback_loop.simulate(bundle, splits[:12], n_playlists=4)
    verdicts = [
        f"{m}: NDCG@3 {table.loc[m, 'NDCG@3']:.3f}"
        for m in table.index
        if m not in ("popular", "random")
    ]
    report = report_html.build(
        table,
        pd.concat(per_user, ignore_index=True),
        events,
        metric="NDCG@3",
        bundle_version=bundle.version,
        source=f"{users} seeded synthetic users",
        verdict_lines=verdicts,
        max_exposure=4,
    )
    path = out / "evaluation.html"
    path.write_text(report.html(), encoding="utf-8")
    return path


def build_reports(database_url: str, work: Path, traffic_seconds: float = 3.0) -> dict[str, Path]:
    """Every report as an HTML file under ``work / "reports"``; returns {name: path}."""
    reports = work / "reports"
    (reports / "analytics").mkdir(parents=True, exist_ok=True)
    bundle_dir = work / "bundles"
    publish_bundle(bundle_dir)
    engine = create_engine(database_url)
    with engine.begin() as conn:
        analytics_data.insert_frames(conn, *analytics_data.simulated_frames())
    engine.dispose()
    api = ApiServer(database_url, bundle_dir, work / "api.log", {"ANIMUSIC_DEV_MODE": "1"})
    api.start()
    try:
        subprocess.run(
            [
                sys.executable,
                str(REPO / "scripts" / "simulate_traffic.py"),
                "--api",
                api.url,
                "--bundle-dir",
                str(bundle_dir),
                "--user-lists",
                "",
                "--users",
                "4",
                "--playlists",
                "3",
                "--seconds",
                str(traffic_seconds),
                "--record",
                str(reports / "analytics" / "simulated_traffic.jsonl"),
            ],
            cwd=REPO,
            check=True,
            capture_output=True,
            timeout=120,
        )
        instance = dg.DagsterInstance.ephemeral()
        resources = {"serving_db": ServingDatabaseResource(url=database_url)}
        config = {"reports_dir": str(reports)}
        assert dg.materialize(
            [engagement_report, adaptation_report],
            instance=instance,
            resources=resources,
            run_config={
                "ops": {
                    "engagement_report": {"config": config},
                    "adaptation_report": {"config": config},
                }
            },
        ).success
        assert dg.materialize(
            [feasibility_report],
            instance=instance,
            resources=resources,
            run_config={
                "ops": {
                    "feasibility_report": {
                        "config": {
                            **config,
                            "api_url": api.url,
                            "ingest_dir": str(work / "no-ingest"),
                        }
                    }
                }
            },
        ).success
    finally:
        api.stop()
    paths = {name: reports / "analytics" / f"{name}.html" for name in REPORTS[:3]}
    paths["evaluation"] = evaluation_page(bundle_dir, reports)
    return paths
