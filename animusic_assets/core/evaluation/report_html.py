"""The offline evaluation as a report like the analytics ones: where the users came from, the
answers (best model against the runner-up, tested), bars with 95 % intervals over users on
every per-user metric, integers as integers, the verdict lines, then the methods.

Generic over model names: whatever models the bundle serves get rows, bars and verdicts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from animusic_assets.core.analytics import answers, plots, trends
from animusic_assets.core.analytics.report_doc import Report, ci, md_table
from animusic_assets.core.analytics.stats import rate_ci
from animusic_assets.core.evaluation.report import figure_png, plt

BASELINES = ("popular", "random")
# per-user metrics: the bars and intervals; higher is better except the popularity rank
PER_USER = ("HR@", "NDCG@", "anime_Recall@", "ILS", "mean_pop_rank")


def metric_intervals(per_user: pd.DataFrame, seed: int = 0) -> dict[str, dict]:
    """{metric: {model: (Estimate, resampled means)}} from one shared draw of users, so any
    two models' resamples are paired."""
    users = pd.Index(sorted(per_user["user_id"].unique()))
    weights = answers.user_weights(len(users), seed)
    metrics = [c for c in per_user.columns if c.startswith(PER_USER)]
    out: dict[str, dict] = {}
    for metric in metrics:
        wide = per_user.pivot_table(
            index="user_id", columns="model", values=metric, aggfunc="mean"
        ).reindex(users)
        out[metric] = {}
        for model in wide.columns:
            v = wide[model].to_numpy(dtype=float)
            seen = ~np.isnan(v)
            with np.errstate(invalid="ignore", divide="ignore"):
                boot = (weights @ np.nan_to_num(v)) / (weights @ seen)
            out[metric][model] = (
                answers._interval(boot, float(np.nanmean(v)), int(seen.sum())),
                boot,
            )
    return out


def intervals_png(intervals: dict[str, dict]) -> bytes:
    """One panel per metric: a bar per model with its 95 % interval over users."""
    metrics = list(intervals)
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.3 * len(metrics), 3.6), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=False):
        est = intervals[metric]
        order = sorted(est, key=lambda m: est[m][0].value, reverse=metric != "mean_pop_rank")
        value = np.array([est[m][0].value for m in order])
        err = plots.error_bars(
            value, [est[m][0].low for m in order], [est[m][0].high for m in order]
        )
        ax.bar(
            order,
            value,
            yerr=err,
            capsize=3,
            color=["#888888" if m in BASELINES else "#3b6ea8" for m in order],
        )
        ax.set_title(metric, fontsize=10)
        ax.set_ylabel(
            "rank (1 = most popular)"
            if metric == "mean_pop_rank"
            else f"{metric} (mean over users)"
        )
        ax.set_xlabel("model")
        ax.tick_params(axis="x", rotation=45, labelsize=8)
    fig.suptitle("Per model, 95 % bootstrap interval over users (grey: baselines)", fontsize=10)
    return figure_png(fig)


def ranking_table(table: pd.DataFrame, intervals: dict[str, dict], metric: str) -> pd.DataFrame:
    """Best first by ``metric``; each per-user metric as "value [low, high]"."""
    table = table.loc[table[metric].sort_values(ascending=False).index]
    out = pd.DataFrame(index=table.index)
    for name, est in intervals.items():
        if name == "mean_pop_rank":
            out["mean popularity rank"] = table[name].round().astype(int)
        elif name == "ILS":  # a property of a list, not a quality: no interval needed here
            out["ILS"] = table[name]
        else:
            out[f"{name} [95 % CI]"] = [ci(*_triple(est[m][0])) for m in table.index]
    if "coverage" in table:
        out["coverage"] = table["coverage"]
    return out


def _triple(e: answers.Estimate) -> tuple[float, float, float]:
    return e.value, e.low, e.high


def loop_exposure(events: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (model, exposure), g in events.groupby(["model", "exposure"]):
        rate, low, high = rate_ci(int(g["liked"].sum()), len(g))
        rows.append(
            {
                "model": model,
                "exposure": int(exposure),
                "users": g["user_id"].nunique(),
                "like_rate": rate,
                "like_rate_ci_low": low,
                "like_rate_ci_high": high,
            }
        )
    return pd.DataFrame(rows)


def baselines_answer(table: pd.DataFrame, metric: str) -> str:
    """One sentence: how many models beat both baselines on ``metric``, and by how much."""
    models = [m for m in table.index if m not in BASELINES]
    have = [b for b in BASELINES if b in table.index]
    if not models or not have:
        return "**Against the baselines:** nothing to compare (no model or no baseline)."
    beat = [m for m in models if all(table.loc[m, metric] > table.loc[b, metric] for b in have)]
    parts = []
    if "random" in have and table.loc["random", metric] > 0:
        ratio = table.loc[models, metric] / table.loc["random", metric]
        parts.append(f"{ratio.min():.1f}–{ratio.max():.1f}× random")
    if "popular" in have and table.loc["popular", metric] > 0:
        lift = table.loc[models, metric] / table.loc["popular", metric] - 1
        parts.append(f"{lift.min():+.0%} to {lift.max():+.0%} against popular")
    return (
        f"**Against the baselines:** {len(beat)} of {len(models)} models beat "
        f"{' and '.join(have)} on {metric} ({'; '.join(parts)}); per model below."
    )


def build(
    table: pd.DataFrame,
    per_user: pd.DataFrame,
    events: pd.DataFrame,
    *,
    metric: str,
    bundle_version: str,
    source: str,
    verdict_lines: list[str],
    seed: int = 0,
    max_exposure: int = 20,
    models_meta: dict | None = None,
) -> Report:
    """The whole report from the evaluation's outputs. ``models_meta``: the bundle manifest's
    ``models`` (tuned weights, e.g. the hybrid's, are shown as this build chose them)."""
    intervals = metric_intervals(per_user, seed)
    n_users = int(per_user["user_id"].nunique())
    ndcg = answers.compare_best(intervals[metric], n_users)
    found = []
    if ndcg is not None:
        found.append(
            f"**Ranking:** **{ndcg.best}** ranks held-out favourites best, {metric} "
            f"{answers.est(ndcg.best_est)}, against runner-up {ndcg.runner_up} at "
            f"{answers.est(ndcg.runner_est)}; {answers.verdict(ndcg)}."
        )
    events = events.assign(
        user_id=events["user_id"].astype("category").cat.codes, duration_known=False
    )
    likes = answers.per_model(events, "liked", seed=seed)
    loop = answers.compare_best(likes, int(events["user_id"].nunique()))
    if loop is not None:
        found.append(
            f"**Feedback loop:** with simulated likes, **{loop.best}** has the highest "
            f"like rate, {answers.est(loop.best_est)}, against runner-up "
            f"{loop.runner_up} at {answers.est(loop.runner_est)}; "
            f"{answers.verdict(loop)}."
        )
    found.append(baselines_answer(table, metric))
    loop_trends = trends.trend_table(events, "liked", max_exposure, seed)
    report = Report(
        "Animusic — offline evaluation",
        f"offline evaluation, not live listeners: {n_users:,} users' lists, "
        f"source: {source}; bundle {bundle_version}; "
        f"{events['user_id'].nunique():,} of them in the simulated feedback loop.",
        found,
    )
    report.add(
        f"Ranking quality ({metric} and more)",
        report.figure("ranking", intervals_png(intervals), "Metrics per model with 95 % intervals"),
        md_table(ranking_table(table, intervals, metric)),
    )
    report.add("Each model against the baselines", "\n".join(f"- {v}" for v in verdict_lines))
    loop_table = pd.DataFrame(
        {
            "items shown": [int((events["model"] == m).sum()) for m in likes],
            "like rate [95 % CI]": [ci(*_triple(e)) for e, _ in likes.values()],
        },
        index=pd.Index(list(likes), name="model"),
    )
    report.add(
        "Feedback loop: like rate by exposure number",
        report.figure(
            "like_rate_by_exposure",
            plots.adaptation_png(loop_exposure(events), loop_trends, "like_rate", max_exposure),
            "Like rate by exposure number",
        ),
        md_table(loop_table),
    )
    weights = {
        name: m["params"]["weights"]
        for name, m in (models_meta or {}).items()
        if isinstance(m.get("params", {}).get("weights"), dict)
    }
    if weights:
        frame = pd.DataFrame(weights).fillna(0.0)
        frame.index.name = "component"
        report.add(
            "Tuned weights of this bundle",
            "Chosen on the tuning half of the users at this build (they change with "
            "the catalogue and the users; the served values: `GET /models`).",
            md_table(frame),
        )
    report.add(
        "Methods",
        "Per user, a seeded half of the anime they rated 8 or more is their imported "
        "list and the rest is held out; a recommended song is a hit when its anime is "
        "held out. Ranking lists hold one song per anime and leave out the imported "
        "anime's other songs. Intervals resample users (2,000 draws, shared by all "
        "models, so comparisons are paired); coverage is a property of the whole set "
        "of lists and has no per-user interval.",
    )
    return report
