"""Profile rules: positives, skip set, anime favourability, seeded cold start."""

import datetime as dt
import os
import subprocess
import sys

import numpy as np

from animusic_serving.recommend import FeedbackRow, build_profile, is_positive, user_day_seed
from animusic_serving.recommend import profile as profile_module

DAY = dt.date(2024, 5, 1)
ANIME = np.array([1, 1, 2, 2, 3, 3, 4, 4])  # anime of rows 0..7


def row_of(song_id):
    return int(song_id[1:]) if song_id.startswith("s") and int(song_id[1:]) < len(ANIME) else None


def profile(feedback, **kwargs):
    return build_profile(feedback, row_of, ANIME, username="ann", day=DAY, **kwargs)


def test_positive_is_a_like_or_half_the_video_watched():
    assert is_positive(True, 0, 0)
    assert is_positive(False, 50, 100)
    assert not is_positive(False, 49.9, 100)
    assert not is_positive(False, 10, 0)  # unknown length: only a like counts


def test_positives_skip_set_and_unknown_songs():
    feedback = [
        FeedbackRow("s0", liked=True),
        FeedbackRow("s2", watch_time=80, total_video_time=90),
        FeedbackRow("s3", watch_time=1, total_video_time=90),
        FeedbackRow("gone", liked=True),
    ]  # no longer in the bundle: ignored
    p = profile(feedback)
    assert p.positive_rows.tolist() == [0, 2]
    assert p.skip_rows.tolist() == [0, 2, 3]
    assert p.cold_start is None and p.seed_rows.size == 0


def test_favourability_blacklists_only_negative_anime():
    feedback = [
        FeedbackRow("s0", liked=True),
        FeedbackRow("s1"),  # anime 1: +1 -1 = 0
        FeedbackRow("s2", liked=True),
        FeedbackRow("s3"),  # anime 2: +1 -1 ...
        FeedbackRow("s4"),
        FeedbackRow("s5"),
    ]  # anime 3: -2
    p = profile(feedback)
    assert p.blacklisted_anime.tolist() == [3]
    p = profile([*feedback, FeedbackRow("s2", watch_time=0, total_video_time=5)])  # anime 2: -1
    assert p.blacklisted_anime.tolist() == [2, 3]


def test_cold_start_seeds_come_from_the_list_and_are_stable_per_user_and_day():
    big_anime = np.repeat(np.arange(1, 11), 10)  # 10 anime x 10 songs
    rows = lambda s: int(s[1:])  # noqa: E731

    def seeds(username, day, feedback=()):
        p = build_profile(
            feedback, rows, big_anime, anime_list=[2, 5, 99], username=username, day=day, k=5
        )
        assert p.cold_start == "anime_list"
        assert np.array_equal(p.positive_rows, p.seed_rows)
        return p.seed_rows.tolist()

    first = seeds("ann", DAY)
    assert len(first) == 5 and set(big_anime[first]) <= {2, 5}
    assert seeds("ann", DAY) == first  # a reload is stable
    other_days = {tuple(seeds("ann", DAY + dt.timedelta(days=d))) for d in range(1, 6)}
    assert other_days - {tuple(first)}  # a new day, a new sample
    assert any(seeds(name, DAY) != first for name in ("bob", "cyd", "dee"))
    # seen songs are not picked as seeds while unseen list songs remain
    seen = [FeedbackRow(f"s{r}") for r in first]
    assert not set(seeds("ann", DAY, seen)) & set(first)


def test_cold_start_without_list_samples_the_most_popular():
    n = 400
    popularity = np.random.default_rng(1).random(n)
    p = build_profile(
        [], lambda s: None, np.arange(n), username="x", day=DAY, popularity=popularity
    )
    top = set(np.argsort(-popularity)[: profile_module.POPULAR_POOL].tolist())
    assert p.cold_start == "popular"
    assert len(p.seed_rows) == profile_module.COLD_START_K
    assert set(p.seed_rows.tolist()) <= top


def test_user_day_seed_does_not_depend_on_the_process_hash_salt():
    code = (
        "import datetime as d; from animusic_serving.recommend import user_day_seed; "
        "print(user_day_seed('ann', d.date(2024, 5, 1)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert int(out.stdout) == user_day_seed("ann", DAY)
