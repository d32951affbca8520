"""Which model recommends best: ranking quality and the feedback loop on real users' lists."""

import base64
from pathlib import Path

import dagster as dg
import pandas as pd

from animusic_assets.automation import rebuild_after_upstream
from animusic_assets.core.evaluation import feedback_loop, ranking, report, report_html
from animusic_assets.core.evaluation.split import split_users, tuning_and_report_halves
from animusic_assets.defs.publish.assets import model_bundle
from animusic_assets.resources import BundleStoreResource, UserListsResource
from animusic_assets.resources.settings import settings_from_env
from animusic_serving.recommend.playlist import playlist_models


class EvaluationConfig(dg.Config):
    split_seed: int = 0  # must match the publish step's, so tuning users are never reported on
    k: int = 10
    recall_k: int = 50
    max_report_users: int = 1200
    loop_users: int = 150
    playlists: int = 20
    reports_dir: str = ""  # default: AnimusicSettings.reports_root ($ANIMUSIC_REPORTS_DIR)


@dg.asset(
    group_name="evaluation",
    deps=[model_bundle],
    kinds={"pandas", "matplotlib"},
    automation_condition=rebuild_after_upstream(),
    description="Every published model on held-out real (or synthetic) user lists: "
    "HR/NDCG/recall@k, a simulated feedback loop, and a report with plots.",
)
def offline_evaluation(
    context: dg.AssetExecutionContext,
    config: EvaluationConfig,
    bundle_store: BundleStoreResource,
    user_lists: UserListsResource,
    catalog: pd.DataFrame,
) -> dg.MaterializeResult:
    bundle = bundle_store.load()
    lists, source = user_lists.load(catalog)
    splits = split_users(lists, bundle.songs["anime_id"].unique(), seed=config.split_seed)
    _, report_users = tuning_and_report_halves(splits, seed=config.split_seed)
    report_users = report_users[: config.max_report_users]
    if not report_users:
        reason = f"no user has enough liked anime in this catalog ({source})"
        context.log.warning("evaluation skipped: %s", reason)
        return dg.MaterializeResult(value=pd.DataFrame(), metadata={"skipped": reason})
    models = playlist_models(bundle)
    per_user: list[pd.DataFrame] = []
    table = ranking.evaluate_ranking(
        bundle,
        report_users,
        models,
        config.k,
        config.recall_k,
        seed=config.split_seed,
        per_user=per_user,
    )
    events = feedback_loop.simulate(
        bundle, report_users[: config.loop_users], config.playlists, seed=config.split_seed
    )
    by_exposure = feedback_loop.like_rate_by_exposure(events)
    likes = feedback_loop.like_rate_summary(events)
    ndcg = f"NDCG@{config.k}"
    verdict = _verdict(table, ndcg)
    context.log.info(verdict)

    reports_dir = config.reports_dir or settings_from_env().reports_root()
    out = Path(reports_dir) / f"evaluation-{bundle.version}"
    out.mkdir(parents=True, exist_ok=True)
    page = report_html.build(
        table,
        pd.concat(per_user, ignore_index=True),
        events,
        metric=ndcg,
        bundle_version=bundle.version,
        source=source,
        verdict_lines=verdict.split("; ") if verdict else [],
        seed=config.split_seed,
        max_exposure=config.playlists,
        models_meta=bundle.manifest.get("models", {}),
    )
    # the report's own plots (95 % intervals over users on every bar), as files beside it
    plots = {f"{name}.png": png for name, png in page.figures.items()}
    for name, png in plots.items():
        (out / name).write_bytes(png)
    markdown = "\n\n".join(
        [
            f"Bundle {bundle.version}; {len(report_users)} report users ({source}); "
            f"{len(report_users[: config.loop_users])} in the feedback loop.",
            verdict,
            report.markdown_table(table),
            report.markdown_table(likes),
        ]
    )
    (out / "evaluation.md").write_text(markdown + "\n")
    html = page.html()
    (out / "evaluation.html").write_text(html, encoding="utf-8")
    (Path(reports_dir) / "evaluation.html").write_text(html, encoding="utf-8")  # the latest
    return dg.MaterializeResult(
        value=table,
        metadata={
            "bundle_version": bundle.version,
            "users": len(report_users),
            "user_lists": source,
            "verdict": verdict,
            "report": dg.MetadataValue.md(page.markdown()),
            "answers": dg.MetadataValue.md("\n".join(f"- {a}" for a in page.answers)),
            "html_report": dg.MetadataValue.path(str((out / "evaluation.html").resolve())),
            "ndcg_vs_popular": {
                str(m): round(float(v / table.loc["popular", ndcg]), 3)
                for m, v in table[ndcg].items()
            }
            if "popular" in table.index and table.loc["popular", ndcg] > 0
            else {},
            "ranking": dg.MetadataValue.md(report.markdown_table(table)),
            "like_rate": dg.MetadataValue.md(report.markdown_table(likes)),
            "like_rate_by_exposure": dg.MetadataValue.md(
                report.markdown_table(by_exposure.set_index(["model", "exposure"]))
            ),
            **{
                name.removesuffix(".png") + "_plot": dg.MetadataValue.md(
                    f"![{name}](data:image/png;base64,{base64.b64encode(png).decode()})"
                )
                for name, png in plots.items()
            },
            "report_dir": dg.MetadataValue.path(str(out.resolve())),
        },
    )


def _verdict(table: pd.DataFrame, metric: str) -> str:
    """One sentence per model against the two baselines every model must beat."""
    lines = []
    for model, value in table[metric].items():
        if model in ("popular", "random"):
            continue
        vs_random = value / table.loc["random", metric] if "random" in table.index else float("nan")
        vs_pop = (
            value / table.loc["popular", metric] - 1 if "popular" in table.index else float("nan")
        )
        lines.append(
            f"{model}: {metric} {value:.3f} = {vs_random:.1f}x random, {vs_pop:+.0%} vs popular"
        )
    return "; ".join(lines)
