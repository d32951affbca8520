"""Engagement and adaptation per model, from the API database's impressions and feedback."""

import dagster as dg

from animusic_assets.automation import daily_report
from animusic_assets.core.analytics import adaptation, engagement, html_report, plots
from animusic_assets.defs.analytics.common import png_md, reports_dir, table_md
from animusic_assets.defs.analytics.resources import ServingDatabaseResource
from animusic_assets.defs.external.api_tables import (
    feedback_table,
    impressions_table,
    users_table,
)


class EngagementConfig(dg.Config):
    seed: int = 0               # bootstrap seed (same data + seed = same CIs)
    early_exposures: int = 3    # exposures 1..n are "early", later ones "late"
    min_users: int = 3          # users reaching a late exposure needed to test a model
    max_exposure_plot: int = 30
    reports_dir: str = ""       # default: $ANIMUSIC_REPORTS_DIR, else .data/reports


@dg.asset(group_name="analytics", kinds={"postgres", "pandas", "html"},
          deps=[impressions_table, feedback_table, users_table],
          automation_condition=daily_report(),
          description="Per model: impressions, plays, skips before play, like rate (Wilson CI), "
                      "watch ratio (bootstrap CI), by exposure number, and the early-vs-late "
                      "adaptation test; PNGs in metadata and a self-contained HTML report.")
def engagement_report(context: dg.AssetExecutionContext, config: EngagementConfig,
                      serving_db: ServingDatabaseResource) -> dg.MaterializeResult:
    impressions, feedback = serving_db.engagement_frames()
    items = engagement.build_items(impressions, feedback)
    summary = engagement.model_summary(items, impressions, seed=config.seed)
    exposure = engagement.by_exposure(items, seed=config.seed)
    adapt = adaptation.early_vs_late(items, early_n=config.early_exposures,
                                     min_users=config.min_users, seed=config.seed)
    verdicts = adapt["verdict"].tolist() or ["no data yet: no impressions or feedback recorded"]
    for line in verdicts:
        context.log.info(line)

    counts = {
        "impressions": len(impressions), "feedback_rows": len(feedback), "items": len(items),
        "users": int(items["user_id"].nunique()),
        "feedback_without_impression": int(items["feedback_only"].sum()),
        "feedback_without_duration": int((items["has_feedback"] & ~items["duration_known"]).sum()),
        "model_mismatches": int(items["model_mismatch"].sum()),
    }
    pngs = {"engagement_by_model": plots.model_summary_png(summary),
            "engagement_by_exposure": plots.exposure_png(exposure, config.max_exposure_plot)}
    out = reports_dir(config.reports_dir)
    for name, png in pngs.items():
        (out / f"{name}.png").write_bytes(png)
    summary.to_csv(out / "engagement_by_model.csv")
    exposure.to_csv(out / "engagement_by_exposure.csv", index=False)
    adapt.to_csv(out / "adaptation.csv")
    page = html_report.render("Animusic — engagement and adaptation per model", [
        ("What was measured", [
            f"{counts['impressions']} impressions and {counts['feedback_rows']} "
            f"feedback rows from {counts['users']} users "
            f"({counts['items']} distinct user–song items).",
            engagement.__doc__.split("\n\n", 1)[1].replace("\n", " ")]),
        ("Engagement per model", [html_report.Figure(pngs["engagement_by_model"],
                                                     "Like rate and watch ratio per model"),
                                  summary]),
        ("Adaptation: does a model improve with feedback?", [
            verdicts, adaptation.__doc__.split("\n\n", 1)[1].replace("\n", " "),
            adapt.drop(columns="verdict"),
            html_report.Figure(pngs["engagement_by_exposure"],
                               "Like rate, watch ratio and users by exposure number")]),
        ("By exposure number", [exposure]),
    ])
    (out / "engagement.html").write_text(page, encoding="utf-8")
    return dg.MaterializeResult(metadata={
        **counts,
        "adaptation": dg.MetadataValue.md("\n".join(f"- {v}" for v in verdicts)),
        "by_model": table_md(summary),
        "adaptation_table": table_md(adapt.drop(columns="verdict")),
        "by_exposure": table_md(exposure.set_index(["model", "exposure"])
                                if not exposure.empty else exposure),
        **{f"{name}_plot": png_md(name, png) for name, png in pngs.items()},
        "html_report": dg.MetadataValue.path(str((out / "engagement.html").resolve())),
    })
