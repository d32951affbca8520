"""Does a model get better (or worse) as it sees more of a listener's feedback?

Per model, each user's items are numbered by exposure. *Early* = exposures 1..early_n,
*late* = exposures > early_n. Only users who reached a late exposure are compared (both
groups from the same users, so listeners who left early cannot make late exposures look
better or worse). The difference late − early of the pooled like rate and of the mean watch
ratio gets a 95 % CI and a two-sided p-value from a seeded bootstrap over users (users, not
rows, are resampled: one listener's items are not independent). "Differs" = the CI excludes 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from animusic_assets.core.analytics.stats import cluster_bootstrap_diff

COLUMNS = [
    "users",
    "early_items",
    "late_items",
    "early_like_rate",
    "late_like_rate",
    "like_rate_diff",
    "like_rate_diff_ci_low",
    "like_rate_diff_ci_high",
    "like_rate_p",
    "early_watch_ratio",
    "late_watch_ratio",
    "watch_ratio_diff",
    "watch_ratio_diff_ci_low",
    "watch_ratio_diff_ci_high",
    "watch_ratio_p",
    "verdict",
]


def early_vs_late(
    items: pd.DataFrame, early_n: int = 3, min_users: int = 3, seed: int = 0
) -> pd.DataFrame:
    rows = []
    for model, group in items.groupby("model", sort=True):
        late_users = group.loc[group["exposure"] > early_n, "user_id"].unique()
        g = group[group["user_id"].isin(late_users)]
        late = g["exposure"] > early_n
        per_user = (
            pd.DataFrame(
                {
                    "early_likes": g["liked"].where(~late, False).astype(int),
                    "early_n": (~late).astype(int),
                    "late_likes": g["liked"].where(late, False).astype(int),
                    "late_n": late.astype(int),
                    "early_ratio": g["watch_ratio"].where(~late & g["duration_known"]).fillna(0.0),
                    "early_rn": (~late & g["duration_known"]).astype(int),
                    "late_ratio": g["watch_ratio"].where(late & g["duration_known"]).fillna(0.0),
                    "late_rn": (late & g["duration_known"]).astype(int),
                    "user_id": g["user_id"],
                }
            )
            .groupby("user_id")
            .sum()
        )
        row = {
            "model": model,
            "users": len(late_users),
            "early_items": int((~late).sum()),
            "late_items": int(late.sum()),
        }
        if len(late_users) < min_users:
            row.update({c: np.nan for c in COLUMNS[3:-1]})
            row["verdict"] = (
                f"{model}: not enough data — {len(late_users)} user(s) reached "
                f"exposure {early_n + 1} (need {min_users})."
            )
            rows.append(row)
            continue
        s = per_user.sum()
        d, lo, hi, p = cluster_bootstrap_diff(
            per_user["early_likes"],
            per_user["early_n"],
            per_user["late_likes"],
            per_user["late_n"],
            seed,
        )
        wd, wlo, whi, wp = cluster_bootstrap_diff(
            per_user["early_ratio"],
            per_user["early_rn"],
            per_user["late_ratio"],
            per_user["late_rn"],
            seed,
        )
        row.update(
            {
                "early_like_rate": s["early_likes"] / s["early_n"],
                "late_like_rate": s["late_likes"] / s["late_n"],
                "like_rate_diff": d,
                "like_rate_diff_ci_low": lo,
                "like_rate_diff_ci_high": hi,
                "like_rate_p": p,
                "early_watch_ratio": s["early_ratio"] / s["early_rn"] if s["early_rn"] else np.nan,
                "late_watch_ratio": s["late_ratio"] / s["late_rn"] if s["late_rn"] else np.nan,
                "watch_ratio_diff": wd,
                "watch_ratio_diff_ci_low": wlo,
                "watch_ratio_diff_ci_high": whi,
                "watch_ratio_p": wp,
            }
        )
        row["verdict"] = _words(model, row, early_n)
        rows.append(row)
    return pd.DataFrame(rows, columns=["model", *COLUMNS]).set_index("model")


def _direction(diff: float, low: float, high: float) -> str:
    if np.isnan(diff):
        return "cannot be compared"
    if low > 0:
        return "is higher late than early"
    if high < 0:
        return "is lower late than early"
    return "shows no detectable difference between early and late"


def _words(model: str, r: dict, early_n: int) -> str:
    like_direction = _direction(
        r["like_rate_diff"], r["like_rate_diff_ci_low"], r["like_rate_diff_ci_high"]
    )
    like = (
        f"like rate {like_direction} "
        f"({r['early_like_rate']:.2f} at exposures 1–{early_n} vs {r['late_like_rate']:.2f} later, "
        f"difference {r['like_rate_diff']:+.2f}, 95 % CI {r['like_rate_diff_ci_low']:+.2f} to "
        f"{r['like_rate_diff_ci_high']:+.2f}, p = {r['like_rate_p']:.3f})"
    )
    if np.isnan(r["watch_ratio_diff"]):
        watch = "watch ratio cannot be compared (no durations on one side)"
    else:
        watch_direction = _direction(
            r["watch_ratio_diff"], r["watch_ratio_diff_ci_low"], r["watch_ratio_diff_ci_high"]
        )
        watch = (
            f"watch ratio {watch_direction} "
            f"({r['early_watch_ratio']:.2f} vs {r['late_watch_ratio']:.2f}, difference "
            f"{r['watch_ratio_diff']:+.2f}, 95 % CI {r['watch_ratio_diff_ci_low']:+.2f} to "
            f"{r['watch_ratio_diff_ci_high']:+.2f})"
        )
    verdict = (
        "adapts: later picks are liked more"
        if r["like_rate_diff_ci_low"] > 0
        else "gets worse with feedback"
        if r["like_rate_diff_ci_high"] < 0
        else "no evidence of adaptation in like rate"
    )
    reached = f"{r['users']} users reaching exposure {early_n + 1}"
    return f"{model} ({reached}): {like}; {watch} — {verdict}."
