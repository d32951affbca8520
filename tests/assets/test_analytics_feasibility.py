"""Feasibility: the arithmetic, requests per host from a real page cache and limiter file,
and the asset reading a real run's records from a Dagster instance."""

import time

import dagster as dg
import pandas as pd
import pytest

from animusic_assets.core.analytics import feasibility
from animusic_assets.defs.analytics.feasibility import feasibility_report, read_steps
from animusic_assets.defs.analytics.resources import ServingDatabaseResource
from animusic_assets.sources.page_cache import PageCache
from animusic_assets.sources.rate_limiter import HostLimit, RateLimiter


def test_collection_plan_matches_the_limits():
    plan = feasibility.collection_plan(1500)
    mal, anidb, yt = (plan.loc[s] for s in plan.index)
    assert mal["requests"] == 3 + 3000 and mal["hours_of_requests"] == pytest.approx(
        3003 / 3600, abs=0.01
    )
    assert anidb["requests"] == 1500 and anidb["days"] == 7.5 and anidb["calendar_days"] == 8
    assert yt["requests"] == 19200 and yt["hours_of_requests"] == pytest.approx(10.67, abs=0.01)
    assert plan["days"].idxmax() == "AniDB"
    faster = feasibility.collection_plan(1500, feasibility.CollectionLimits(anidb_daily_cap=1000))
    assert faster.loc["AniDB", "days"] == 1.5


def test_monthly_cost_adds_up():
    cost = feasibility.monthly_cost(
        {
            "app_host_per_month": 24,
            "database_per_month": 15,
            "storage_per_gb_month": 0.1,
            "compute_per_hour": 0.5,
        },
        storage_gb=10,
        build_hours=0.5,
        builds_per_month=30,
    )
    assert cost.loc["storage (bundles, caches, databases)", "monthly"] == pytest.approx(1.0)
    assert cost.loc["pipeline builds", "monthly"] == pytest.approx(7.5)
    assert cost.loc["total", "monthly"] == pytest.approx(24 + 15 + 1 + 7.5)


def test_step_summary():
    steps = pd.DataFrame(
        {
            "asset": ["a", "a", "a", "b"],
            "partition": [None] * 4,
            "status": ["SUCCESS", "SUCCESS", "FAILURE", "FAILURE"],
            "duration_s": [1.0, 3.0, 9.0, 2.0],
        }
    )
    table = feasibility.step_summary(steps)
    assert table.loc["a", ["steps", "failures", "median_s", "total_s"]].tolist() == [2, 1, 2.0, 4.0]
    assert table.loc["b", "failures"] == 1 and table.loc["b", "steps"] == 0
    assert feasibility.build_seconds(table, set()) == 2.0


def test_requests_per_host(tmp_path):
    table, note = feasibility.requests_per_host(tmp_path / "absent")
    assert table.empty and "no live ingestion state" in note
    cache = PageCache(tmp_path / "ingest" / "pages")
    now = time.time()
    for i in range(3):
        cache.put(f"https://anidb.net/anime/{i}", "<html/>", fetched_at=now - 3600 * i)
    cache.put("https://api.myanimelist.net/v2/anime/1", "{}", fetched_at=now)
    limiter = RateLimiter(tmp_path / "ingest" / "ratelimit.sqlite3", {"anidb": HostLimit(100.0)})
    limiter.acquire("anidb")
    table, note = feasibility.requests_per_host(tmp_path / "ingest")
    assert table.loc["anidb.net", "cached_pages"] == 3
    assert table.loc["anidb.net", "pages_per_hour"] == 1.5  # 3 pages over 2 hours
    assert table.loc["api.myanimelist.net", "cached_pages"] == 1
    assert "anidb 1 requests" in note


# ---------------------------------------------------------------- a real run's records


@dg.asset
def raw_pages():
    time.sleep(0.2)
    return 1


@dg.asset
def model(raw_pages):
    return raw_pages + 1


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["0001-0050", "0051-0100"]))
def scraped(context):
    time.sleep(0.05)
    return context.partition_key


def test_asset_reads_a_real_runs_records(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("ANIMUSIC_BUNDLE_DIR", str(tmp_path / "bundles"))
    monkeypatch.setenv("ANIMUSIC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ANIMUSIC_MODELS_DIR", str(tmp_path / "models"))
    (tmp_path / "bundles").mkdir()
    (tmp_path / "bundles" / "x.npy").write_bytes(b"0" * 1000)
    with dg.instance_for_test() as instance:
        assert dg.materialize([raw_pages, model], instance=instance).success
        for key in ("0001-0050", "0051-0100"):
            assert dg.materialize([scraped], partition_key=key, instance=instance).success
        steps = read_steps(instance, 100)
        assert set(steps["asset"]) == {"raw_pages", "model", "scraped"}
        assert steps.loc[steps["asset"] == "raw_pages", "duration_s"].iloc[0] >= 0.2
        assert sorted(steps.loc[steps["asset"] == "scraped", "partition"]) == [
            "0001-0050",
            "0051-0100",
        ]

        result = dg.materialize(
            [feasibility_report],
            instance=instance,
            resources={"serving_db": ServingDatabaseResource(url=database_url)},
            run_config={
                "ops": {
                    "feasibility_report": {
                        "config": {
                            "reports_dir": str(tmp_path / "reports"),
                            "ingest_dir": str(tmp_path / "none"),
                            "n_anime": 1500,
                            "builds_per_month": 30,
                        }
                    }
                }
            },
        )
    assert result.success
    meta = result.asset_materializations_for_node("feasibility_report")[0].metadata
    assert meta["runs_read"].value == 3 and meta["steps_read"].value == 4
    assert "raw_pages" in meta["time_per_asset"].value
    assert "0051-0100" in meta["time_per_partition"].value
    assert meta["build_seconds"].value >= 0.2  # raw_pages + model, not the partitions
    assert meta["collection_days"].value == 7.5
    assert "no live ingestion state" in meta["requests_per_host"].value
    assert "API database" in meta["databases"].value
    assert "bundle store (ANIMUSIC_BUNDLE_DIR)" in meta["artifacts"].value
    assert meta["storage_gb"].value > 0  # 1 kB of bundle + the databases
    assert meta["monthly_cost_usd"].value >= 39.0
    page = (tmp_path / "reports" / "analytics" / "feasibility.html").read_text()
    assert "Time per scraping partition" in page and "0001-0050" in page
    assert 'alt="Seconds per collection batch"' in page  # the measured per-batch plot
    assert meta["report"].value.startswith("**Data:** this instance's Dagster run records (3 runs")


def test_asset_on_a_fresh_instance(database_url, tmp_path):
    result = dg.materialize(
        [feasibility_report],
        instance=dg.DagsterInstance.ephemeral(),
        resources={"serving_db": ServingDatabaseResource(url=database_url)},
        run_config={
            "ops": {
                "feasibility_report": {
                    "config": {"reports_dir": str(tmp_path), "ingest_dir": str(tmp_path / "none")}
                }
            }
        },
    )
    meta = result.asset_materializations_for_node("feasibility_report")[0].metadata
    assert meta["runs_read"].value == 0 and meta["build_seconds"].value == 0
