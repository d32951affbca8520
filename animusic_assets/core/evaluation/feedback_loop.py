"""(b) The feedback loop: simulated listeners get playlists, like what matches their taste,
and the profile adapts exactly as it does in serving.

User model: a song is liked (and watched to the end) when its anime is held out for the user;
otherwise it is skipped after 20 % of the video. Each of ``n_playlists`` playlists comes from
``animusic_serving.recommend.recommend`` with the user's feedback so far.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from animusic_assets.core.evaluation.metrics import wilson_interval
from animusic_assets.core.evaluation.ranking import EVAL_DAY
from animusic_assets.core.evaluation.split import UserSplit
from animusic_serving.bundle import Bundle
from animusic_serving.recommend.profile import FeedbackRow
from animusic_serving.recommend.recommender import recommend

VIDEO_SECONDS = 200.0
SKIP_SHARE = 0.2


def simulate(
    bundle: Bundle, splits: list[UserSplit], n_playlists: int = 20, seed: int = 0
) -> pd.DataFrame:
    """One row per item shown: user, playlist number, song, model, exposure number, liked."""
    anime_of = dict(zip(bundle.songs["song_id"], bundle.songs["anime_id"], strict=True))
    events = []
    for u, split in enumerate(splits):
        rng = np.random.default_rng([seed, u])
        held_out = set(split.held_out.tolist())
        feedback: list[FeedbackRow] = []
        exposures: dict[str, int] = {}
        for playlist in range(n_playlists):
            items = recommend(
                bundle, feedback, split.imported, username=split.user_id, day=EVAL_DAY, rng=rng
            )
            for item in items:
                liked = anime_of[item.song_id] in held_out
                exposures[item.recommended_by] = exposures.get(item.recommended_by, 0) + 1
                watched = VIDEO_SECONDS if liked else SKIP_SHARE * VIDEO_SECONDS
                feedback.append(FeedbackRow(item.song_id, liked, watched, VIDEO_SECONDS))
                events.append(
                    (
                        split.user_id,
                        playlist,
                        item.song_id,
                        item.recommended_by,
                        exposures[item.recommended_by],
                        liked,
                    )
                )
    return pd.DataFrame(
        events, columns=["user_id", "playlist", "song_id", "model", "exposure", "liked"]
    )


def like_rate_by_exposure(events: pd.DataFrame) -> pd.DataFrame:
    """Like rate per (model, exposure) with the number of users reaching that exposure."""
    grouped = events.groupby(["model", "exposure"]).agg(
        users=("user_id", "nunique"), likes=("liked", "sum"), shown=("liked", "size")
    )
    grouped["like_rate"] = grouped["likes"] / grouped["shown"]
    return grouped.reset_index()


def like_rate_summary(events: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for model, group in events.groupby("model"):
        likes, shown = int(group["liked"].sum()), len(group)
        low, high = wilson_interval(likes, shown)
        rows.append(
            {
                "model": model,
                "shown": shown,
                "like_rate": likes / shown,
                "ci95_low": low,
                "ci95_high": high,
            }
        )
    return pd.DataFrame(rows).set_index("model").sort_values("like_rate", ascending=False)
