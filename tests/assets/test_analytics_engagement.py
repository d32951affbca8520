"""Engagement figures on a seeded synthetic table equal hand-computed values, from the pure
core and from the asset reading a real (migrated) PostgreSQL."""

import math
import sys
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).parent))
import analytics_data as data

from animusic_assets.core.analytics import engagement, stats
from animusic_assets.defs.analytics.adaptation import adaptation_report
from animusic_assets.defs.analytics.engagement import engagement_report
from animusic_assets.defs.analytics.resources import ServingDatabaseResource


def wilson_by_hand(k, n, z=1.96):
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0, centre - half), min(1, centre + half)


def check_summary(summary: pd.DataFrame) -> None:
    tf, rnd = summary.loc["tfidf"], summary.loc["random"]
    # tfidf: 5 impression rows, 6 items (b2 reported without an impression is kept)
    assert (tf["impressions"], tf["items"], tf["users"], tf["feedback_only"]) == (5, 6, 2, 1)
    # likes a2, a4 (no duration: still counted) and b2 -> 3 / 6
    assert tf["likes"] == 3 and tf["like_rate"] == pytest.approx(0.5)
    low, high = wilson_by_hand(3, 6)
    assert (tf["like_rate_ci_low"], tf["like_rate_ci_high"]) == (
        pytest.approx(low),
        pytest.approx(high),
    )
    assert low == pytest.approx(0.1876, abs=1e-4)
    # played: a1 (100 s), a2, a4 (liked at 0 s), b2; skipped before play: a3 (no row), b1 (0 s)
    assert (tf["plays"], tf["skipped_before_play"]) == (4, 2)
    # watch ratio over rows with a duration: a1 .5, a2 203/200 capped to 1, b1 0, b2 .5
    assert (tf["with_duration"], tf["no_duration"]) == (4, 1)
    assert tf["watch_ratio"] == pytest.approx((0.5 + 1.0 + 0.0 + 0.5) / 4)
    assert tf["watch_ratio_ci_low"] <= tf["watch_ratio"] <= tf["watch_ratio_ci_high"]
    # random: 3 impression rows (one repeats a1, which tfidf showed first), 2 items
    assert (
        rnd["impressions"],
        rnd["items"],
        rnd["likes"],
        rnd["plays"],
        rnd["skipped_before_play"],
    ) == (3, 2, 0, 1, 1)
    assert rnd["like_rate"] == 0 and rnd["watch_ratio"] == pytest.approx(0.1)


def check_exposure(exposure: pd.DataFrame) -> None:
    tf = exposure[exposure["model"] == "tfidf"].set_index("exposure")
    assert tf["users"].to_dict() == {1: 2, 2: 2, 3: 1, 4: 1}
    assert tf["items"].to_dict() == {1: 2, 2: 2, 3: 1, 4: 1}
    # exposure 1: a1 (not liked), b1 (not liked); 2: a2 liked, b2 liked; 3: a3; 4: a4 liked
    assert tf["likes"].to_dict() == {1: 0, 2: 2, 3: 0, 4: 1}
    assert tf.loc[2, "watch_ratio"] == pytest.approx(0.75)  # a2 1.0 and b2 0.5
    assert np.isnan(tf.loc[4, "watch_ratio"])  # a4 has no duration
    rnd = exposure[exposure["model"] == "random"]
    assert rnd[["exposure", "users"]].values.tolist() == [[1, 2]]


def test_items_exposure_numbering_and_attribution():
    items = engagement.build_items(data.IMPRESSIONS, data.FEEDBACK).set_index("song_id")
    assert items.loc[["a1", "a2", "a3", "a4"], "exposure"].tolist() == [1, 2, 3, 4]
    assert items.loc[["b1", "b2"], "exposure"].tolist() == [1, 2]  # b2 by its report time
    assert items.loc["a1", "model"] == "tfidf" and items.loc["a1", "impressions"] == 2
    assert items.loc["b2", "feedback_only"] and items.loc["b2", "liked"]
    assert items.loc["a4", "liked"] and not items.loc["a4", "duration_known"]
    assert items.loc["a2", "watch_ratio"] == 1.0
    assert not items["model_mismatch"].any()


def test_summary_and_exposure_equal_hand_computed_values():
    items = engagement.build_items(data.IMPRESSIONS, data.FEEDBACK)
    check_summary(engagement.model_summary(items, data.IMPRESSIONS))
    check_exposure(engagement.by_exposure(items))


def test_no_data_gives_empty_tables():
    items = engagement.build_items(None, None)
    assert items.empty
    assert engagement.model_summary(items).empty and engagement.by_exposure(items).empty


def test_bootstrap_is_seeded_and_covers_the_mean():
    x = np.random.default_rng(1).random(50)
    a, b = stats.bootstrap_mean_ci(x, seed=3), stats.bootstrap_mean_ci(x, seed=3)
    assert a == b and a[1] < x.mean() < a[2]
    assert np.isnan(stats.bootstrap_mean_ci([])[0])
    assert stats.bootstrap_mean_ci([0.4]) == (0.4, 0.4, 0.4)
    assert all(np.isnan(stats.rate_ci(0, 0)))


@pytest.fixture(scope="module")
def seeded_db(database_url):
    engine = create_engine(database_url)
    with engine.begin() as conn:
        data.insert_into(conn)
    engine.dispose()
    return database_url


def test_resource_is_read_only(seeded_db):
    resource = ServingDatabaseResource(url=seeded_db)
    with pytest.raises(DBAPIError, match="read-only"), resource.read_only() as conn:
        conn.execute(text("DELETE FROM feedback"))
    impressions, feedback = resource.engagement_frames()
    assert (len(impressions), len(feedback)) == (8, 6)


def test_asset_reads_postgres_and_writes_the_report(seeded_db, tmp_path):
    result = dg.materialize(
        [engagement_report],
        resources={"serving_db": ServingDatabaseResource(url=seeded_db)},
        run_config={"ops": {"engagement_report": {"config": {"reports_dir": str(tmp_path)}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    meta = result.asset_materializations_for_node("engagement_report")[0].metadata
    assert meta["impressions"].value == 8 and meta["feedback_rows"].value == 6
    assert meta["feedback_without_impression"].value == 1
    assert meta["feedback_without_duration"].value == 1
    assert "data:image/png;base64," in meta["report"].value
    assert meta["data_origin"].value.startswith("real feedback from 2 listeners between")
    assert "cannot be tested" in meta["answers"].value  # 2 users: no test is run
    out = tmp_path / "analytics"
    check_summary(pd.read_csv(out / "engagement_by_model.csv", index_col="model"))
    check_exposure(pd.read_csv(out / "engagement_by_exposure.csv"))
    result = dg.materialize(
        [adaptation_report],
        resources={"serving_db": ServingDatabaseResource(url=seeded_db)},
        run_config={"ops": {"adaptation_report": {"config": {"reports_dir": str(tmp_path)}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    page = (out / "adaptation.html").read_text()
    assert "not enough data" in page  # 2 users, fewer than min_users reach a late exposure


def test_asset_on_an_empty_database_says_so(make_database, tmp_path):
    result = dg.materialize(
        [engagement_report],
        resources={"serving_db": ServingDatabaseResource(url=make_database("analytics_empty"))},
        run_config={"ops": {"engagement_report": {"config": {"reports_dir": str(tmp_path)}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    meta = result.asset_materializations_for_node("engagement_report")[0].metadata
    assert meta["impressions"].value == 0 and "not answerable yet" in meta["answers"].value
    assert meta["data_origin"].value == "no feedback recorded yet."
    assert (tmp_path / "analytics" / "engagement.html").is_file()
