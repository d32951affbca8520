"""Helpers shared by the analytics assets: where reports go, tables as metadata, the
listeners' items with their origin, and writing a report (HTML file + Dagster metadata)."""

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd

from animusic_assets.core.analytics import engagement, origin
from animusic_assets.core.analytics.report_doc import Report
from animusic_assets.defs.analytics.resources import ServingDatabaseResource
from animusic_assets.resources.settings import settings_from_env


def reports_dir(configured: str) -> Path:
    root = Path(configured or settings_from_env().reports_root()) / "analytics"
    root.mkdir(parents=True, exist_ok=True)
    return root


def table_md(frame: pd.DataFrame, floatfmt: str = ".3f") -> dg.MetadataValue:
    if frame.empty:
        return dg.MetadataValue.md("_(no rows)_")
    return dg.MetadataValue.md(frame.to_markdown(floatfmt=floatfmt))


class ListenerConfig(dg.Config):
    seed: int = 0  # bootstrap seed (same data + seed = same CIs)
    population: str = "auto"  # auto (real listeners if any, else simulated) | real | simulated
    traffic_log: str = (
        ""  # the simulator's run log; default <reports>/analytics/simulated_traffic.jsonl
    )
    reports_dir: str = ""  # default: $ANIMUSIC_REPORTS_DIR, else .data/reports


@dataclass
class Listeners:
    items: pd.DataFrame  # the chosen population's items only
    impressions: pd.DataFrame
    feedback_rows: int
    origin: origin.Origin


def load_listeners(serving_db: ServingDatabaseResource, config: ListenerConfig) -> Listeners:
    """Items of one population (real or simulated, never mixed) and the sentence saying
    which."""
    users, impressions, feedback = serving_db.listener_frames()
    items = engagement.build_items(impressions, feedback)
    log = (
        Path(config.traffic_log)
        if config.traffic_log
        else reports_dir(config.reports_dir) / origin.RUN_LOG
    )
    where = origin.decide(items, users, origin.read_run_log(log), config.population)
    chosen = items[items["user_id"].isin(where.user_ids)].reset_index(drop=True)
    impressions = impressions[impressions["user_id"].isin(where.user_ids)]
    fb = int(feedback["user_id"].isin(where.user_ids).sum())
    return Listeners(chosen, impressions, fb, where)


def write_report(report: Report, out: Path, name: str) -> dict:
    """The report as an HTML file and as the asset's metadata (the same Markdown)."""
    path = out / f"{name}.html"
    path.write_text(report.html(), encoding="utf-8")
    return {
        "report": dg.MetadataValue.md(report.markdown()),
        "answers": dg.MetadataValue.md("\n".join(f"- {a}" for a in report.answers)),
        "data_origin": report.origin,
        "html_report": dg.MetadataValue.path(str(path.resolve())),
    }
