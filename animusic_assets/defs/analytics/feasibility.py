"""Feasibility for a start-up: time per pipeline step from Dagster's own run and event
records, requests per host, artifact and database sizes, days to collect N anime under the
configured limits, and a monthly cost from a configurable price table."""

from pathlib import Path

import dagster as dg
import pandas as pd

from animusic_assets.automation import daily_report
from animusic_assets.core.analytics import costs, feasibility, plots_feasibility
from animusic_assets.core.analytics.report_doc import Report, md_table, plural, png_md
from animusic_assets.defs.analytics.common import reports_dir, table_md, write_report
from animusic_assets.defs.analytics.measurements import gb, service_metrics, sizes
from animusic_assets.defs.analytics.resources import ServingDatabaseResource
from animusic_assets.defs.analytics.run_records import read_steps
from animusic_assets.defs.external.api_tables import API_TABLES
from animusic_assets.defs.external.dagster_runs import dagster_run_records
from animusic_assets.defs.publish.assets import model_bundle
from animusic_assets.resources.settings import settings_from_env

DEFAULT_PRICES = Path(__file__).resolve().parents[3] / "config" / "prices.toml"


class FeasibilityConfig(dg.Config):
    max_runs: int = 500  # newest runs read from the instance
    n_anime: int = 1500  # collection target (README: the 1,500 most popular)
    mal_rate_per_s: float = 1.0  # the configured polite limits (DESIGN.md)
    anidb_rate_per_s: float = 0.5
    anidb_daily_cap: int = settings_from_env().anidb_daily_cap
    youtube_rate_per_s: float = 0.5
    songs_per_anime: float = 6.4  # all relations (2.9 for openings/endings only)
    builds_per_month: float = 30.0  # a daily rebuild
    prices_file: str = ""  # default: $ANIMUSIC_PRICES_FILE, else config/prices.toml
    api_url: str = ""  # for GET /metrics; default: $ANIMUSIC_API_URL
    ingest_dir: str = ""  # default: $ANIMUSIC_DATA_DIR/ingest or .data/ingest
    reports_dir: str = ""


@dg.asset(
    group_name="analytics",
    # reads the run records, the bundle store's size and every API table's size
    deps=[dagster_run_records, model_bundle, *API_TABLES],
    automation_condition=daily_report(),
    kinds={"dagster", "postgres", "html"},
    description="Time per step (per asset, per partition) from Dagster's run records, "
    "days to collect N anime under the rate limits, serving latency and CPU "
    "per 1,000 playlists from the API's /metrics, and the monthly bill from "
    "the price sheet (config/prices.toml), against the original study.",
)
def feasibility_report(
    context: dg.AssetExecutionContext,
    config: FeasibilityConfig,
    serving_db: ServingDatabaseResource,
) -> dg.MaterializeResult:
    steps = read_steps(context.instance, config.max_runs)
    steps = steps[steps["asset"] != context.asset_key.to_user_string()]  # not ourselves
    checks = steps[steps["kind"] == "check"]
    per_asset = feasibility.step_summary(steps[steps["kind"] != "check"])
    per_asset.insert(0, "stage", [feasibility.step_stage(a) for a in per_asset.index])
    partitioned = steps[steps["partition"].notna()]
    per_partition = feasibility.step_summary(partitioned, by=("asset", "partition"))
    # one build: every stage up to the evaluation; the reports are not part of it
    build_s = feasibility.build_seconds(
        per_asset[per_asset["stage"] != "analytics"], set(partitioned["asset"])
    )
    train_s = float(per_asset.loc[per_asset["stage"] == "training", "median_s"].fillna(0).sum())
    ingest_dir, artifacts, databases, db_note = sizes(config, serving_db, context.log)
    hosts, hosts_note = feasibility.requests_per_host(ingest_dir)

    limits = feasibility.CollectionLimits(
        mal_rate_per_s=config.mal_rate_per_s,
        anidb_rate_per_s=config.anidb_rate_per_s,
        anidb_daily_cap=config.anidb_daily_cap,
        youtube_rate_per_s=config.youtube_rate_per_s,
        songs_per_anime=config.songs_per_anime,
    )
    plan = feasibility.collection_plan(config.n_anime, limits)
    days = float(plan["days"].max())
    storage_gb = gb(int(artifacts["bytes"].fillna(0).sum())) + gb(
        int(databases["bytes"].fillna(0).sum())
    )
    prices_path = config.prices_file or settings_from_env().prices_file or str(DEFAULT_PRICES)
    sheet = costs.read_prices(prices_path)
    snapshot, metrics_note = service_metrics(config.api_url)
    serving = costs.serving_table(snapshot) if snapshot else pd.DataFrame()
    cpu1000 = costs.cpu_s_per_1000_playlists(snapshot) if snapshot else None
    cost, info = costs.hosting(sheet, cpu1000, storage_gb, build_s / 3600, config.builds_per_month)
    monthly = info["monthly_usd"]
    orig = sheet.get("original_study", {})

    if cpu1000 is not None:
        p95 = serving.loc[costs.PLAYLIST_ROUTE, "p95 ms"]
        serving_words = (
            f"serving takes {cpu1000:.2f} CPU seconds per 1,000 playlists, the feedback "
            f"and other calls of their listeners included (GET /playlist p95 {p95:.1f} ms over "
            f"{int(serving.loc[costs.PLAYLIST_ROUTE, 'requests']):,} playlists, "
            f"measured by the service)"
        )
    else:
        serving_words = f"serving CPU was not measured ({metrics_note})"
    answer = (
        f"**Feasibility:** collecting {config.n_anime:,} anime takes {days:.1f} days under "
        f"the configured limits ({plan['days'].idxmax()} is the bottleneck; original "
        f"study: {orig.get('collection', '–')}); one full build takes {build_s:.1f} s of "
        f"step time, {train_s:.1f} s of it training the models (original: "
        f"{orig.get('training', '–')}); {serving_words}; for "
        f"{info['playlists_per_month']:,.0f} playlists a month that is {info['hosts']} "
        f"host{'s' if info['hosts'] != 1 else ''} and {monthly:.2f} USD a month at the "
        "price sheet, plus a "
        f"{info['store_fee_usd']:.0f} USD store fee (original study: about "
        f"{orig.get('hosting_usd_per_month', float('nan')):.0f} USD a month and "
        f"{orig.get('store_fee_usd', float('nan')):.0f} USD)."
    )
    context.log.info(answer)

    out = reports_dir(config.reports_dir)
    steps.to_csv(out / "feasibility_steps.csv", index=False)
    report = Report(
        "Animusic — feasibility (time and money per step)",
        f"this instance's Dagster run records ({plural(steps['run_id'].nunique(), 'run')}, "
        f"{plural(len(steps), 'step')}), the API's own metrics, and the price sheet "
        f"{Path(prices_path).name}.",
        [answer],
    )
    report.add(
        "Time per pipeline step",
        png_md(plots_feasibility.steps_png(per_asset), "Seconds per step by asset and stage"),
        md_table(per_asset.drop(columns=["mean_s"], errors="ignore"), digits=2),
        f"Asset checks: {plural(len(checks), 'step')}, {checks['duration_s'].sum():.1f} s in all.",
    )
    report.add(
        "Time per scraping partition",
        png_md(plots_feasibility.partitions_png(partitioned), "Seconds per collection batch")
        if not per_partition.empty
        else "",
        md_table(per_partition, digits=2)
        if not per_partition.empty
        else "No partitioned runs recorded (snapshot mode).",
    )
    report.add(
        f"Collection per site under its limits ({config.n_anime:,} anime)",
        png_md(
            plots_feasibility.collection_png(plan, config.n_anime, orig.get("collection_days")),
            "Days to collect per site",
        ),
        md_table(plan.drop(columns=["hours_of_requests"]), digits=2),
        hosts_note,
        md_table(hosts) if not hosts.empty else "",
    )
    report.add(
        "Serving: latency and CPU",
        metrics_note,
        md_table(serving, digits=2) if not serving.empty else "",
    )
    report.add(
        "Money",
        png_md(
            plots_feasibility.cost_png(
                monthly,
                info["store_fee_usd"],
                orig.get("hosting_usd_per_month"),
                orig.get("store_fee_usd"),
            ),
            "Monthly hosting and store fee against the original study",
        ),
        f"Price sheet: `{prices_path}` (edit it for your provider). Hosts are sized so the "
        f"measured CPU per playlist stays under the sheet's target utilisation.",
        md_table(cost, digits=2),
    )
    report.add(
        "Storage",
        md_table(artifacts.drop(columns=["bytes"]), digits=2),
        db_note,
        md_table(databases.drop(columns=["bytes"]), digits=2),
    )
    return dg.MaterializeResult(
        metadata={
            **write_report(report, out, "feasibility"),
            "runs_read": int(steps["run_id"].nunique()),
            "steps_read": len(steps),
            "build_seconds": round(build_s, 2),
            "collection_days": days,
            "monthly_cost_usd": round(monthly, 2),
            "storage_gb": round(storage_gb, 4),
            "cpu_s_per_1000_playlists": round(cpu1000, 3) if cpu1000 is not None else None,
            "time_per_asset": table_md(per_asset),
            "time_per_partition": table_md(per_partition),
            "requests_per_host": dg.MetadataValue.md(
                hosts_note + "\n\n" + (hosts.to_markdown() if not hosts.empty else "")
            ),
            "collection_plan": table_md(plan),
            "artifacts": table_md(artifacts),
            "databases": table_md(databases),
            "monthly_cost": table_md(cost, ".2f"),
            "serving": table_md(serving, ".2f"),
        }
    )
