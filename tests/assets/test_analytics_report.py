"""The early-vs-late adaptation test on constructed data, and the HTML report renders
self-contained (inline PNGs, no external resources)."""

import base64
import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from animusic_assets.core.analytics import adaptation, engagement, html_report, plots

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def feedback_for(model: str, users: int, likes_by_exposure: list[bool]) -> pd.DataFrame:
    rows = []
    for u in range(users):
        for e, liked in enumerate(likes_by_exposure):
            rows.append((u + 1, f"{model}-{u}-{e}", model, 200.0 if liked else 40.0, 200.0,
                         liked, T0 + dt.timedelta(minutes=e)))
    return pd.DataFrame(rows, columns=engagement.FEEDBACK_COLUMNS)


@pytest.fixture(scope="module")
def items():
    frames = [feedback_for("improves", 6, [False] * 3 + [True] * 3),
              feedback_for("flat", 6, [True, False, True, False, True, False]),
              feedback_for("sparse", 2, [False] * 6)]
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
    rows = [(u, f"n-{u}-{e}", "noisy", 100.0, 200.0, bool(rng.random() < 0.5),
             T0 + dt.timedelta(minutes=e)) for u in range(8) for e in range(6)]
    noisy = engagement.build_items(None, pd.DataFrame(rows, columns=engagement.FEEDBACK_COLUMNS))
    row = adaptation.early_vs_late(noisy, early_n=3).loc["noisy"]
    if row["like_rate_diff_ci_low"] <= 0 <= row["like_rate_diff_ci_high"]:
        assert "no evidence of adaptation" in row["verdict"]


def test_html_report_is_self_contained(items):
    summary = engagement.model_summary(items)
    exposure = engagement.by_exposure(items)
    png = plots.exposure_png(exposure)
    page = html_report.render("Report <title>", [
        ("Numbers", ["a & b", ["line 1", "line 2"], summary]),
        ("Plots", [html_report.Figure(png, "by exposure"), plots.model_summary_png(summary)]),
    ])
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "Report &lt;title&gt;" in page and "a &amp; b" in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 2 and base64.b64decode(images[0]) == png
    assert base64.b64decode(images[1]).startswith(b"\x89PNG")
    # nothing is fetched from elsewhere
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "<table" in page and "improves" in page


def test_empty_plots_render():
    empty = engagement.build_items(None, None)
    assert plots.model_summary_png(engagement.model_summary(empty)).startswith(b"\x89PNG")
    assert plots.exposure_png(engagement.by_exposure(empty)).startswith(b"\x89PNG")
