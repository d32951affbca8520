"""Adaptation: does each model's pick get better as it sees more of a listener's feedback?"""

import dagster as dg
import pandas as pd

from animusic_assets.automation import daily_report
from animusic_assets.core.analytics import adaptation, answers, engagement, plots, trends
from animusic_assets.core.analytics.report_doc import Report, md_table, methods_md, png_md
from animusic_assets.defs.analytics.common import (
    ListenerConfig,
    load_listeners,
    reports_dir,
    table_md,
    write_report,
)
from animusic_assets.defs.analytics.resources import ServingDatabaseResource
from animusic_assets.defs.external.api_tables import feedback_table, impressions_table, users_table


class AdaptationConfig(ListenerConfig):
    early_exposures: int = 3  # exposures 1..n are "early", later ones "late"
    min_users: int = 3  # users reaching a late exposure needed to test a model
    max_exposure: int = 20  # trends are fitted and drawn over exposures 1..max_exposure


def trend_md(like: pd.DataFrame, watch: pd.DataFrame) -> str:
    table = like[["users", "slope", "slope_ci_low", "slope_ci_high", "trend"]].rename(
        columns={
            "slope": "like rate / exposure",
            "slope_ci_low": "low",
            "slope_ci_high": "high",
            "trend": "like trend",
        }
    )
    table["watch ratio / exposure"] = watch["slope"].reindex(table.index)
    table["watch trend"] = watch["trend"].reindex(table.index)
    return md_table(table, digits=4)


@dg.asset(
    group_name="analytics",
    deps=[impressions_table, feedback_table, users_table],
    automation_condition=daily_report(),
    kinds={"postgres", "pandas", "html"},
    description="Like rate and watch ratio by exposure number per model with 95 % "
    "intervals, users reaching each exposure, a fitted trend per model with "
    "its slope interval, and the early-vs-late test.",
)
def adaptation_report(
    context: dg.AssetExecutionContext, config: AdaptationConfig, serving_db: ServingDatabaseResource
) -> dg.MaterializeResult:
    data = load_listeners(serving_db, config)
    items = data.items
    exposure = engagement.by_exposure(items, seed=config.seed)
    like = trends.trend_table(items, "liked", config.max_exposure, config.seed)
    watch = trends.trend_table(items, "watch_ratio", config.max_exposure, config.seed)
    answer, _ = trends.adaptation_answer(items, config.max_exposure, seed=config.seed)
    adapt = adaptation.early_vs_late(
        items, early_n=config.early_exposures, min_users=config.min_users, seed=config.seed
    )
    context.log.info(answer)
    pngs = {
        "like_rate": plots.adaptation_png(exposure, like, "like_rate", config.max_exposure),
        "watch_ratio": plots.adaptation_png(exposure, watch, "watch_ratio", config.max_exposure),
    }
    out = reports_dir(config.reports_dir)
    for name, png in pngs.items():
        (out / f"adaptation_{name}.png").write_bytes(png)
    adapt.to_csv(out / "adaptation.csv")
    like.join(watch, lsuffix="_like", rsuffix="_watch").to_csv(out / "adaptation_trends.csv")
    report = Report("Animusic — adaptation with feedback", data.origin.sentence, [answer])
    report.add(
        "Like rate by exposure number",
        png_md(pngs["like_rate"], "Like rate by exposure number per model"),
    )
    report.add(
        "Watch ratio by exposure number",
        png_md(pngs["watch_ratio"], "Mean watch ratio by exposure number per model"),
    )
    report.add(
        "Fitted trends (least squares over items; 95 % CI from a bootstrap over users)",
        trend_md(like, watch),
    )
    report.add(
        f"Early (exposures 1–{config.early_exposures}) against later exposures",
        "\n".join(f"- {v}" for v in adapt["verdict"]) or "*(no data)*",
    )
    report.add(
        "Methods",
        methods_md(adaptation.__doc__),
        methods_md(trends.__doc__),
        methods_md(answers.__doc__),
    )
    return dg.MaterializeResult(
        metadata={
            "users": int(items["user_id"].nunique()),
            "items": len(items),
            "population": data.origin.population,
            **write_report(report, out, "adaptation"),
            "trends": table_md(like),
            "early_vs_late": table_md(adapt.drop(columns="verdict")),
        }
    )
