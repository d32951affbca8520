"""Engagement per model, from the API database's impressions and feedback."""

import dagster as dg
import pandas as pd

from animusic_assets.automation import daily_report
from animusic_assets.core.analytics import answers, engagement, plots, trends
from animusic_assets.core.analytics.report_doc import Report, ci, md_table, methods_md, png_md
from animusic_assets.defs.analytics.common import (
    ListenerConfig,
    load_listeners,
    reports_dir,
    table_md,
    write_report,
)
from animusic_assets.defs.analytics.resources import ServingDatabaseResource
from animusic_assets.defs.external.api_tables import (
    feedback_table,
    impressions_table,
    users_table,
)


class EngagementConfig(ListenerConfig):
    max_exposure_plot: int = 30


def engagement_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The per-model table, narrow enough for the page: counts and value [95 % CI]."""
    table = summary[["users", "items", "plays", "skipped_before_play", "likes"]].rename(
        columns={"skipped_before_play": "skipped before play"}
    )
    table["like rate [95 % CI]"] = [
        ci(r.like_rate, r.like_rate_ci_low, r.like_rate_ci_high) for r in summary.itertuples()
    ]
    table["watch ratio [95 % CI]"] = [
        ci(r.watch_ratio, r.watch_ratio_ci_low, r.watch_ratio_ci_high) for r in summary.itertuples()
    ]
    table["no duration"] = summary["no_duration"]
    return table.sort_values("likes", ascending=False)


@dg.asset(
    group_name="analytics",
    deps=[impressions_table, feedback_table, users_table],
    automation_condition=daily_report(),
    kinds={"postgres", "pandas", "html"},
    description="Which model engages listeners most: like rate (Wilson CI) and watch "
    "ratio (bootstrap CI) per model, the best against the runner-up (paired "
    "bootstrap over users); real or simulated listeners, said on line one.",
)
def engagement_report(
    context: dg.AssetExecutionContext, config: EngagementConfig, serving_db: ServingDatabaseResource
) -> dg.MaterializeResult:
    data = load_listeners(serving_db, config)
    items = data.items
    summary = engagement.model_summary(items, data.impressions, seed=config.seed)
    exposure = engagement.by_exposure(items, seed=config.seed)
    answer, _ = answers.engagement_answer(items, seed=config.seed)
    adapt_answer, _ = trends.adaptation_answer(items, config.max_exposure_plot, seed=config.seed)
    context.log.info(answer)
    counts: dict[str, int | str] = {
        "impressions": len(data.impressions),
        "feedback_rows": data.feedback_rows,
        "items": len(items),
        "users": int(items["user_id"].nunique()),
        "population": data.origin.population,
        "feedback_without_impression": int(items["feedback_only"].sum()),
        "feedback_without_duration": int((items["has_feedback"] & ~items["duration_known"]).sum()),
        "model_mismatches": int(items["model_mismatch"].sum()),
    }
    png = plots.model_summary_png(summary)
    out = reports_dir(config.reports_dir)
    (out / "engagement_by_model.png").write_bytes(png)
    summary.to_csv(out / "engagement_by_model.csv")
    exposure.to_csv(out / "engagement_by_exposure.csv", index=False)
    report = Report(
        "Animusic — engagement per model",
        data.origin.sentence,
        [answer, adapt_answer + " (details: the adaptation report)"],
    )
    report.add(
        "Like rate and watch ratio per model",
        png_md(png, "Like rate and mean watch ratio per model with 95 % intervals"),
        md_table(engagement_table(summary)),
        "The table's intervals treat items as independent (Wilson for the like rate, "
        "a bootstrap over items for the watch ratio); the answers' intervals resample "
        "listeners, so they are the wider, honest ones for comparing models.",
    )
    report.add(
        "Methods",
        f"{counts['impressions']} impressions and {counts['feedback_rows']} feedback "
        f"rows from {counts['users']} users ({counts['items']} distinct user–song items; "
        f"{counts['feedback_without_impression']} reported without an impression, "
        f"{counts['feedback_without_duration']} without a video duration — counted, "
        "never dropped).",
        methods_md(engagement.__doc__),
        methods_md(answers.__doc__),
    )
    return dg.MaterializeResult(
        metadata={
            **counts,
            **write_report(report, out, "engagement"),
            "by_model": table_md(summary),
        }
    )
