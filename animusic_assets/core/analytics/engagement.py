"""Engagement per model from what was shown (impressions) and what listeners did (feedback).

The unit is an *item*: one (user, song) pair. The API records one impression per playlist
slot and keeps one merged feedback row per (user, song) (maximum watch time, sticky like), so:

- an item's model is the model of its first impression (what the server showed); an item
  with feedback but no impression (an older client, a song reported from elsewhere) keeps
  the feedback's ``recommended_by`` and is counted as ``feedback_only`` — never dropped;
- ``played``: it has feedback with watch time > 0, or it was liked;
  ``skipped_before_play``: shown and never played (no feedback row, or 0 s and no like);
- ``like rate`` = liked items / items (Wilson 95 % CI). Likes count whatever the duration;
- ``watch ratio`` = watch_time / total_video_time capped at 1, only for items with feedback
  and a known duration (total_video_time > 0). Feedback rows without a duration are counted
  in ``no_duration`` and left out of the mean (their likes still count). Mean with a seeded
  bootstrap 95 % CI;
- ``exposure``: the n-th item a model showed a user (1, 2, …), in the order first shown
  (time, then playlist position); ``users`` at exposure n = distinct users who reached it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from animusic_assets.core.analytics.stats import bootstrap_mean_ci, rate_ci

IMPRESSION_COLUMNS = [
    "user_id",
    "playlist_id",
    "song_id",
    "position",
    "recommended_by",
    "created_at",
]
FEEDBACK_COLUMNS = [
    "user_id",
    "song_id",
    "recommended_by",
    "watch_time",
    "total_video_time",
    "liked",
    "created_at",
]
ITEM_COLUMNS = [
    "user_id",
    "song_id",
    "model",
    "shown",
    "impressions",
    "has_feedback",
    "feedback_only",
    "liked",
    "watch_time",
    "total_video_time",
    "duration_known",
    "watch_ratio",
    "played",
    "skipped_before_play",
    "model_mismatch",
    "first_at",
    "exposure",
]


def _typed(frame: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(columns=columns) if frame is None else frame.copy()
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["user_id"] = frame["user_id"].astype("int64")
    frame["song_id"] = frame["song_id"].astype(str)
    return frame


def build_items(impressions: pd.DataFrame | None, feedback: pd.DataFrame | None) -> pd.DataFrame:
    """One row per (user, song) shown or reported, with its model and exposure number."""
    imp = _typed(impressions, IMPRESSION_COLUMNS)
    fb = _typed(feedback, FEEDBACK_COLUMNS)
    imp = imp.sort_values(["created_at", "position", "song_id"], kind="stable")
    first = (
        imp.groupby(["user_id", "song_id"], sort=False)
        .agg(
            model_shown=("recommended_by", "first"),
            first_shown=("created_at", "first"),
            first_position=("position", "first"),
            impressions=("song_id", "size"),
        )
        .reset_index()
    )
    fb = fb.drop_duplicates(["user_id", "song_id"], keep="last")  # one merged row per pair
    fb = fb.rename(columns={"recommended_by": "model_reported", "created_at": "reported_at"})
    fb["has_feedback"] = True
    items = first.merge(
        fb[
            [
                "user_id",
                "song_id",
                "model_reported",
                "watch_time",
                "total_video_time",
                "liked",
                "reported_at",
                "has_feedback",
            ]
        ],
        on=["user_id", "song_id"],
        how="outer",
    )
    items["shown"] = items["model_shown"].notna()
    items["has_feedback"] = items["has_feedback"].astype("boolean").fillna(False).astype(bool)
    items["feedback_only"] = items["has_feedback"] & ~items["shown"]
    items["model"] = items["model_shown"].where(items["shown"], items["model_reported"])
    items["model_mismatch"] = (
        items["shown"] & items["has_feedback"] & (items["model_shown"] != items["model_reported"])
    )
    items["impressions"] = items["impressions"].fillna(0).astype("int64")
    items["liked"] = items["liked"].astype("boolean").fillna(False).astype(bool)
    watch = pd.to_numeric(items["watch_time"], errors="coerce").astype(float)
    total = pd.to_numeric(items["total_video_time"], errors="coerce").astype(float)
    items["watch_time"], items["total_video_time"] = watch, total
    items["duration_known"] = items["has_feedback"] & (total > 0)
    ratio = np.minimum(watch / total.where(total > 0), 1.0)
    items["watch_ratio"] = ratio.where(items["duration_known"])
    items["played"] = items["has_feedback"] & ((watch.fillna(0) > 0) | items["liked"])
    items["skipped_before_play"] = items["shown"] & ~items["played"]
    items["first_at"] = items["first_shown"].where(items["shown"], items["reported_at"])
    items["_pos"] = items["first_position"].fillna(10**6)
    items = items.sort_values(
        ["user_id", "model", "first_at", "_pos", "song_id"], kind="stable"
    ).reset_index(drop=True)
    items["exposure"] = items.groupby(["user_id", "model"]).cumcount() + 1
    return items[ITEM_COLUMNS]


def model_summary(
    items: pd.DataFrame, impressions: pd.DataFrame | None = None, seed: int = 0
) -> pd.DataFrame:
    """Per model: impressions, items, users, plays, skips before play, like rate (Wilson CI),
    mean watch ratio (bootstrap CI), rows with and without a duration."""
    shown_rows = (
        impressions["recommended_by"].value_counts()
        if impressions is not None and len(impressions)
        else pd.Series(dtype=int)
    )
    rows = []
    for model, group in items.groupby("model", sort=True):
        likes, n = int(group["liked"].sum()), len(group)
        rate, low, high = rate_ci(likes, n)
        ratio = group.loc[group["duration_known"], "watch_ratio"]
        mean, wlow, whigh = bootstrap_mean_ci(ratio.to_numpy(), seed=seed)
        rows.append(
            {
                "model": model,
                "impressions": int(shown_rows.get(model, group["impressions"].sum())),
                "items": n,
                "users": int(group["user_id"].nunique()),
                "feedback_only": int(group["feedback_only"].sum()),
                "plays": int(group["played"].sum()),
                "skipped_before_play": int(group["skipped_before_play"].sum()),
                "likes": likes,
                "like_rate": rate,
                "like_rate_ci_low": low,
                "like_rate_ci_high": high,
                "with_duration": int(group["duration_known"].sum()),
                "no_duration": int((group["has_feedback"] & ~group["duration_known"]).sum()),
                "watch_ratio": mean,
                "watch_ratio_ci_low": wlow,
                "watch_ratio_ci_high": whigh,
            }
        )
    columns = [
        "impressions",
        "items",
        "users",
        "feedback_only",
        "plays",
        "skipped_before_play",
        "likes",
        "like_rate",
        "like_rate_ci_low",
        "like_rate_ci_high",
        "with_duration",
        "no_duration",
        "watch_ratio",
        "watch_ratio_ci_low",
        "watch_ratio_ci_high",
    ]
    return pd.DataFrame(rows, columns=["model", *columns]).set_index("model")


def by_exposure(items: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Per (model, exposure): users reaching it, items, likes, like rate (Wilson CI), mean
    watch ratio over items with a duration (bootstrap CI)."""
    rows = []
    for (model, exposure), group in items.groupby(["model", "exposure"], sort=True):
        likes, n = int(group["liked"].sum()), len(group)
        rate, low, high = rate_ci(likes, n)
        ratio = group.loc[group["duration_known"], "watch_ratio"].to_numpy()
        mean, wlow, whigh = bootstrap_mean_ci(ratio, seed=seed)
        rows.append(
            {
                "model": model,
                "exposure": int(exposure),
                "users": int(group["user_id"].nunique()),
                "items": n,
                "likes": likes,
                "like_rate": rate,
                "like_rate_ci_low": low,
                "like_rate_ci_high": high,
                "with_duration": len(ratio),
                "watch_ratio": mean,
                "watch_ratio_ci_low": wlow,
                "watch_ratio_ci_high": whigh,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "model",
            "exposure",
            "users",
            "items",
            "likes",
            "like_rate",
            "like_rate_ci_low",
            "like_rate_ci_high",
            "with_duration",
            "watch_ratio",
            "watch_ratio_ci_low",
            "watch_ratio_ci_high",
        ],
    )
