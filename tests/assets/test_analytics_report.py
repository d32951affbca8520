"""The early-vs-late test, the headline answers and the data origin on constructed data, and
the report renders its Markdown self-contained (inline PNGs, no external resources)."""

import base64
import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from animusic_assets.core.analytics import adaptation, answers, engagement, origin, plots, trends
from animusic_assets.core.analytics.report_doc import Report, fmt, md_table, png_md

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def feedback_for(model: str, users: int, likes_by_exposure: list[bool]) -> pd.DataFrame:
    rows = []
    for u in range(users):
        for e, liked in enumerate(likes_by_exposure):
            rows.append(
                (
                    u + 1,
                    f"{model}-{u}-{e}",
                    model,
                    200.0 if liked else 40.0,
                    200.0,
                    liked,
                    T0 + dt.timedelta(minutes=e),
                )
            )
    return pd.DataFrame(rows, columns=engagement.FEEDBACK_COLUMNS)


@pytest.fixture(scope="module")
def items():
    frames = [
        feedback_for("improves", 6, [False] * 3 + [True] * 3),
        feedback_for("flat", 6, [True, False, True, False, True, False]),
        feedback_for("sparse", 2, [False] * 6),
    ]
    return engagement.build_items(None, pd.concat(frames, ignore_index=True))


def test_early_vs_late(items):
    table = adaptation.early_vs_late(items, early_n=3, min_users=3, seed=0)
    up = table.loc["improves"]
    assert (up["early_like_rate"], up["late_like_rate"], up["like_rate_diff"]) == (0.0, 1.0, 1.0)
    assert up["like_rate_diff_ci_low"] == 1.0 and up["like_rate_p"] == 0.0
    assert up["watch_ratio_diff"] == pytest.approx(1.0 - 0.2)
    assert "adapts" in up["verdict"] and "is higher late than early" in up["verdict"]
    flat = table.loc["flat"]
    # early: T F T = 2/3, late: F T F = 1/3 at every user -> -1/3, identical users -> CI is a point
    assert flat["like_rate_diff"] == pytest.approx(-1 / 3)
    assert "lower" in flat["verdict"]
    assert "not enough data" in table.loc["sparse", "verdict"]
    again = adaptation.early_vs_late(items, early_n=3, min_users=3, seed=0)
    pd.testing.assert_frame_equal(table, again)  # seeded


def test_noisy_difference_is_not_called(items):
    rng = np.random.default_rng(5)
    rows = [
        (
            u,
            f"n-{u}-{e}",
            "noisy",
            100.0,
            200.0,
            bool(rng.random() < 0.5),
            T0 + dt.timedelta(minutes=e),
        )
        for u in range(8)
        for e in range(6)
    ]
    noisy = engagement.build_items(None, pd.DataFrame(rows, columns=engagement.FEEDBACK_COLUMNS))
    row = adaptation.early_vs_late(noisy, early_n=3).loc["noisy"]
    if row["like_rate_diff_ci_low"] <= 0 <= row["like_rate_diff_ci_high"]:
        assert "no evidence of adaptation" in row["verdict"]


def test_report_renders_markdown_self_contained(items):
    summary = engagement.model_summary(items)
    exposure = engagement.by_exposure(items)
    png = plots.exposure_png(exposure)
    report = Report("Report <title>", "simulated traffic from **x**", ["**A:** a & b"])
    report.add("Numbers", "- line 1\n- line 2", "``code``", md_table(summary))
    report.add("Plots", png_md(png, "by exposure"), png_md(plots.model_summary_png(summary), "m"))
    md = report.markdown()
    assert md.startswith("**Data:** simulated traffic") and "1. **A:** a & b" in md
    page = report.html()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "Report &lt;title&gt;" in page and "<strong>A:</strong> a &amp; b" in page
    assert "<li>line 1</li>" in page and "<code>code</code>" in page and "**" not in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 and base64.b64decode(images[0]) == png
    # nothing is fetched from elsewhere
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "<table>" in page and "improves" in page


def test_integers_print_as_integers():
    frame = pd.DataFrame(
        {"users": [400, 3], "rate": [0.25, 0.5], "big": [12345.0, 2.0]},
        index=pd.Index(["a", "b"], name="model"),
    )
    table = md_table(frame)
    assert "| a | 400 | 0.250 | 12,345 |" in table and "400.000" not in table
    assert fmt(float("nan")) == "–" and fmt(7) == "7" and fmt(np.int64(12)) == "12"


def test_origin_marks_simulated_users_and_never_mixes():
    users = pd.DataFrame({"user_id": [1, 2, 3], "username": ["sim_a", "alice", "tokenuser"]})
    feedback = feedback_for("m", 3, [True, False])
    items = engagement.build_items(None, feedback)
    runs = [{"users": 1, "playlists": 2, "seconds": 5, "seed": 0, "usernames": ["tokenuser"]}]
    assert origin.simulated_users(users, runs) == {1, 3}
    real = origin.decide(items, users, runs)  # auto: real listeners exist
    assert real.population == "real" and real.user_ids == {2}
    assert real.sentence.startswith("real feedback from 1 listeners between 2026-01-01")
    assert "(2 simulated users are left out of every figure)" in real.sentence
    sim = origin.decide(items, users, runs, population="simulated")
    assert sim.sentence.startswith("simulated traffic, not real listeners: 2 simulated users")
    assert "playlists 2" in sim.sentence and "1 real users are left out" in sim.sentence
    with pytest.raises(ValueError, match="population"):
        origin.decide(items, users, runs, population="both")


def test_answers_find_the_real_difference_and_not_the_noise():
    rng = np.random.default_rng(0)
    rows = []
    for u in range(30):
        for e in range(8):
            # good: rising; flat and same: every third item liked, shifted, so equal rates
            for model, liked in (
                ("good", bool(rng.random() < 0.2 + 0.08 * e)),
                ("flat", (u + e) % 3 == 0),
                ("same", (u + e + 1) % 3 == 0),
            ):
                rows.append(
                    (
                        u,
                        f"{model}-{u}-{e}",
                        model,
                        200.0 if liked else 20.0,
                        200.0,
                        liked,
                        T0 + dt.timedelta(minutes=e),
                    )
                )
    items = engagement.build_items(None, pd.DataFrame(rows, columns=engagement.FEEDBACK_COLUMNS))
    text, found = trends.adaptation_answer(items, max_exposure=8)
    assert found["slope"].best == "good" and found["slope"].real
    assert "paired bootstrap over users, 30 users" in text and "is a real difference" in text
    table = trends.trend_table(items, "liked", 8)
    assert table.loc["good", "trend"] == "rising" and table.loc["good", "slope_ci_low"] > 0
    # flat vs same: equal like rates, the test must not call a difference
    flat = items[items["model"].isin(["flat", "same"])]
    _, found = answers.engagement_answer(flat)
    assert not found["like_rate"].real
    again = answers.engagement_answer(flat)[0]
    assert again == answers.engagement_answer(flat)[0]  # seeded


def test_empty_plots_render():
    empty = engagement.build_items(None, None)
    assert plots.model_summary_png(engagement.model_summary(empty)).startswith(b"\x89PNG")
    assert plots.exposure_png(engagement.by_exposure(empty)).startswith(b"\x89PNG")


def test_error_bars_are_never_negative():
    # a percentile interval that misses its mean by a rounding error (all draws equal)
    err = plots.error_bars([0.2, np.nan], [0.2 + 1e-17, np.nan], [0.2 - 1e-17, 0.5])
    assert (err >= 0).all() and err.shape == (2, 2)
