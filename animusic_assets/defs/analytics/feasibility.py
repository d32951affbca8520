"""Feasibility for a start-up: time per pipeline step from Dagster's own run and event
records, requests per host, artifact and database sizes, days to collect N anime under the
configured limits, and a monthly cost from a configurable price table."""

from pathlib import Path

import dagster as dg
import pandas as pd

from animusic_assets.automation import daily_report
from animusic_assets.core.analytics import feasibility, html_report
from animusic_assets.defs.analytics.common import reports_dir, table_md
from animusic_assets.defs.analytics.resources import ServingDatabaseResource
from animusic_assets.defs.external.api_tables import API_TABLES
from animusic_assets.defs.external.dagster_runs import dagster_run_records
from animusic_assets.defs.publish.assets import model_bundle
from animusic_assets.resources.settings import settings_from_env

PARTITION_TAG = "dagster/partition"


class FeasibilityConfig(dg.Config):
    max_runs: int = 500                 # newest runs read from the instance
    n_anime: int = 1500                 # collection target (README: the 1,500 most popular)
    mal_rate_per_s: float = 1.0         # the configured polite limits (DESIGN.md)
    anidb_rate_per_s: float = 0.5
    anidb_daily_cap: int = settings_from_env().anidb_daily_cap
    youtube_rate_per_s: float = 0.5
    songs_per_anime: float = 6.4        # all relations (2.9 for openings/endings only)
    # example list prices in USD; put your provider's here
    app_host_per_month: float = 24.0    # 2 vCPU / 4 GB VM: API + Dagster webserver & daemon
    database_per_month: float = 15.0    # smallest managed PostgreSQL
    storage_per_gb_month: float = 0.10
    compute_per_hour: float = 0.0       # extra machine for builds (0: they run on the app host)
    builds_per_month: float = 30.0      # a daily rebuild
    ingest_dir: str = ""                # default: $ANIMUSIC_DATA_DIR/ingest or .data/ingest
    reports_dir: str = ""


def read_steps(instance: dg.DagsterInstance, max_runs: int) -> pd.DataFrame:
    """One row per finished step of the newest runs: run, job, partition, the asset(s) it
    materialized (its step key when none), status and duration."""
    rows = []
    for run in instance.get_runs(limit=max_runs):
        assets_of: dict[str, list[str]] = {}
        partition_of: dict[str, str] = {}
        records = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
        for record in records:
            entry = record.event_log_entry
            event = entry.dagster_event
            if event is None or event.asset_key is None or entry.step_key is None:
                continue
            assets_of.setdefault(entry.step_key, []).append(event.asset_key.to_user_string())
            if event.partition:
                partition_of[entry.step_key] = event.partition
        for stat in instance.get_run_step_stats(run.run_id):
            if stat.start_time is None or stat.end_time is None:
                continue  # still running (this very step) or never started
            rows.append({
                "run_id": run.run_id, "job": run.job_name,
                "partition": partition_of.get(stat.step_key, run.tags.get(PARTITION_TAG)),
                "step_key": stat.step_key,
                "asset": ",".join(sorted(set(assets_of.get(stat.step_key, [])))) or stat.step_key,
                "status": stat.status.value if stat.status else "UNKNOWN",
                "start": stat.start_time, "end": stat.end_time,
                "duration_s": stat.end_time - stat.start_time,
            })
    return pd.DataFrame(rows, columns=feasibility.STEP_COLUMNS)


def _gb(n: int | None) -> float:
    return (n or 0) / 1e9


@dg.asset(group_name="analytics", kinds={"dagster", "postgres", "html"},
          # reads the run records, the bundle store's size and every API table's size
          deps=[dagster_run_records, model_bundle, *API_TABLES],
          automation_condition=daily_report(),
          description="Time per step (per asset, per partition) from Dagster's run records, "
                      "requests per host, artifact and database sizes, days to collect N anime "
                      "under the rate limits, and a monthly cost from a price table.")
def feasibility_report(context: dg.AssetExecutionContext, config: FeasibilityConfig,
                       serving_db: ServingDatabaseResource) -> dg.MaterializeResult:
    steps = read_steps(context.instance, config.max_runs)
    steps = steps[steps["asset"] != context.asset_key.to_user_string()]  # not ourselves
    per_asset = feasibility.step_summary(steps)
    partitioned = steps[steps["partition"].notna()]
    per_partition = feasibility.step_summary(partitioned, by=("asset", "partition"))
    materializations = (steps[steps["status"] == "SUCCESS"].groupby("asset").size()
                        .rename("successful_steps").to_frame())
    build_s = feasibility.build_seconds(per_asset, set(partitioned["asset"]))

    settings = settings_from_env()
    ingest_dir = Path(config.ingest_dir) if config.ingest_dir else settings.ingest_root()
    hosts, hosts_note = feasibility.requests_per_host(ingest_dir)

    paths = {
        "bundle store (ANIMUSIC_BUNDLE_DIR)": str(settings.bundle_root()),
        "embedding cache (ANIMUSIC_CACHE_DIR)": str(settings.cache_root()),
        "transformer weights (ANIMUSIC_MODELS_DIR)": str(settings.models_root()),
        "live ingest state": str(ingest_dir),
        "reports": str(reports_dir(config.reports_dir).parent),
    }
    artifacts = pd.DataFrame(
        [{"artifact": k, "path": v or "(not set)", "bytes": feasibility.dir_size(v) if v else None}
         for k, v in paths.items()]).set_index("artifact")
    artifacts["bytes"] = artifacts["bytes"].astype("Int64")
    artifacts["MB"] = (artifacts["bytes"].astype(float) / 1e6).round(2)
    try:
        databases = serving_db.database_sizes()
        databases["MB"] = (databases["bytes"] / 1e6).round(2)
        db_note = f"{len(databases)} databases on the API's PostgreSQL server"
    except Exception as exc:  # the report still answers the rest
        databases = pd.DataFrame(columns=["bytes", "role", "MB"])
        db_note = f"database sizes unavailable: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        context.log.warning(db_note)

    limits = feasibility.CollectionLimits(
        mal_rate_per_s=config.mal_rate_per_s, anidb_rate_per_s=config.anidb_rate_per_s,
        anidb_daily_cap=config.anidb_daily_cap, youtube_rate_per_s=config.youtube_rate_per_s,
        songs_per_anime=config.songs_per_anime)
    plan = feasibility.collection_plan(config.n_anime, limits)
    days = float(plan["days"].max())
    storage_gb = _gb(int(artifacts["bytes"].fillna(0).sum())) + _gb(int(databases["bytes"].fillna(0).sum()))
    cost = feasibility.monthly_cost(
        {"app_host_per_month": config.app_host_per_month,
         "database_per_month": config.database_per_month,
         "storage_per_gb_month": config.storage_per_gb_month,
         "compute_per_hour": config.compute_per_hour},
        storage_gb=storage_gb, build_hours=build_s / 3600,
        builds_per_month=config.builds_per_month)
    monthly = float(cost.loc["total", "monthly"])
    bottleneck = plan["days"].idxmax()
    answer = (f"A full build takes {build_s:.1f} s of step time (median per asset over "
              f"{steps['run_id'].nunique()} recorded runs); collecting {config.n_anime} anime "
              f"takes {days:.1f} days under the configured limits ({bottleneck} is the "
              f"bottleneck); storage is {storage_gb:.3f} GB; the monthly bill at the configured "
              f"prices is ${monthly:.2f}.")
    context.log.info(answer)

    out = reports_dir(config.reports_dir)
    steps.to_csv(out / "feasibility_steps.csv", index=False)
    page = html_report.render("Animusic — feasibility (time, requests, sizes, cost)", [
        ("Answer", [answer]),
        ("Time per pipeline step (Dagster run and event records)", [
            f"{len(steps)} finished steps in {steps['run_id'].nunique()} runs; "
            "a step is named by the asset(s) it materialized.", per_asset]),
        ("Time per scraping partition", [per_partition if not per_partition.empty else
                                         "no partitioned runs recorded (snapshot mode)"]),
        ("Requests per host (live ingestion)", [hosts_note] + ([hosts] if not hosts.empty else [])),
        (f"Days to collect {config.n_anime} anime under the configured limits", [plan]),
        ("Artifact and database sizes", [artifacts, db_note, databases]),
        ("Monthly cost (configurable price table)", [cost]),
    ])
    (out / "feasibility.html").write_text(page, encoding="utf-8")
    return dg.MaterializeResult(metadata={
        "answer": answer, "runs_read": int(steps["run_id"].nunique()),
        "steps_read": len(steps), "build_seconds": round(build_s, 2),
        "collection_days": days, "monthly_cost_usd": round(monthly, 2),
        "storage_gb": round(storage_gb, 4),
        "time_per_asset": table_md(per_asset),
        "time_per_partition": table_md(per_partition),
        "materializations": table_md(materializations),
        "requests_per_host": dg.MetadataValue.md(hosts_note + "\n\n" + (
            hosts.to_markdown() if not hosts.empty else "")),
        "collection_plan": table_md(plan),
        "artifacts": table_md(artifacts),
        "databases": table_md(databases),
        "monthly_cost": table_md(cost, ".2f"),
        "html_report": dg.MetadataValue.path(str((out / "feasibility.html").resolve())),
    })
