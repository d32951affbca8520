"""The ``animethemes_links`` asset through Dagster against the fake sites (127.0.0.1 only)."""

from typing import Any

import dagster as dg
import pytest

from animusic_assets.defs.ingest.animethemes_checks import match_rate_result
from animusic_assets.defs.ingest.definitions import ingest_definitions
from animusic_assets.resources.live_source import LiveAnimeSource
from tests.assets.fakesite.harness import live_sites
from tests.assets.fakesite.server import FakeSites

UPSTREAM = ["mal_details", "mal_pages", "anidb_anime"]
KEY = "0001-0004"


@pytest.fixture()
def fake():
    sites = FakeSites(n_anime=4).start()
    yield sites
    sites.stop()


def _setup(fake, tmp_path, **overrides):
    resource = live_sites(fake, tmp_path / "ingest", retry_attempts=3, **overrides)
    defs = ingest_definitions(live_sites=resource, top_n=4, batch_size=4)
    instance = dg.DagsterInstance.ephemeral()
    assets: list[Any] = list(defs.assets or [])
    resources = {"live_sites": resource}
    assert dg.materialize(
        assets, selection=["mal_ranking"], resources=resources, instance=instance
    ).success
    assert dg.materialize(
        assets, selection=UPSTREAM, partition_key=KEY, resources=resources, instance=instance
    ).success
    return resource, assets, resources, instance


def _links(record):
    return {
        s["title"]: [link for link in s["links"] if link["platform"] == "animethemes"]
        for s in record["songs"]
    }


def test_links_stored_matched_and_assembled_into_anime_records(fake, tmp_path):
    resource, assets, resources, instance = _setup(fake, tmp_path)
    result = dg.materialize(
        assets,
        selection=["animethemes_links"],
        partition_key=KEY,
        resources=resources,
        instance=instance,
    )
    assert result.success
    meta = result.asset_materializations_for_node("animethemes_links")[0].metadata
    assert (
        meta["anime"].value == 4 and meta["anime_on_animethemes"].value == 3
    )  # 1003 is unknown there
    assert meta["network_requests"].value == 1  # four anime, one request
    assert [r["status"] for r in fake.animethemes.requests()] == [200]
    assert (
        meta["op_ed_matched"].value <= meta["op_ed_songs"].value
        and meta["match_rate"].value is not None
    )
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "animethemes_match_rate" and check.passed == (
        meta["match_rate"].value >= 0.8
    )

    store = resource.store()
    unknown = store.get("animethemes", 1003)
    assert (
        unknown["found"] is False
        and unknown["themes"] == []
        and store.get("animethemes", 1002)["found"]
    )
    records = {
        r["mal_id"]: r
        for r in LiveAnimeSource(data_dir=str(tmp_path / "ingest")).fetch_anime_records()
    }
    two = _links(records[1002])
    [op] = two["Song Opening 2"]
    assert (
        op["url"].endswith("NC.webm")
        and op["audio_url"].endswith(".ogg")
        and op["video_id"] is None
    )
    assert op["episodes"] == "1-12" and op["nsfw"] is False and op["spoiler"] is False
    assert two["Song Ending 2"] == []  # matched, but AnimeThemes has no video for it yet
    assert all(v == [] for v in _links(records[1003]).values())
    assert _links(records[1004])["Song Ending 4"][0]["url"].endswith(
        "/video/fake_show_4_blue_gold-ED1NC.webm"
    )


@pytest.mark.parametrize(
    "faults, why",
    [
        (["503"] * 3, "HTTP 503"),
        (["malformed"] * 3, "malformed AnimeThemes answer"),
        (["429=0.1"] * 3, "HTTP 429"),
    ],
)
def test_failure_is_one_line_and_writes_nothing(fake, tmp_path, faults, why):
    resource, assets, resources, instance = _setup(fake, tmp_path)
    fake.animethemes.inject(*faults)
    result = dg.materialize(
        assets,
        selection=["animethemes_links"],
        partition_key=KEY,
        resources=resources,
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.step_failure_data.error.message.strip()
    assert why in message and "AnimeThemes unavailable for 4 anime" in message
    assert "\n" not in message and "filter[" not in message
    assert len(fake.animethemes.requests()) == 3  # retried politely, then gave up
    assert resource.store().mal_ids("animethemes") == []  # nothing half-written


def test_needs_anidb_first_and_check_warns_under_80_percent(fake, tmp_path):
    resource = live_sites(fake, tmp_path / "ingest")
    defs = ingest_definitions(live_sites=resource, top_n=4, batch_size=4)
    instance = dg.DagsterInstance.ephemeral()
    assets: list[Any] = list(defs.assets or [])
    assert dg.materialize(
        assets, selection=["mal_ranking"], resources={"live_sites": resource}, instance=instance
    ).success
    result = dg.materialize(
        assets,
        selection=["animethemes_links"],
        partition_key=KEY,
        raise_on_error=False,
        resources={"live_sites": resource},
        instance=instance,
    )
    assert not result.success and fake.animethemes.requests() == []
    low = match_rate_result({"match_rate": 0.5, "op_ed_songs": 10, "op_ed_matched": 5})
    assert (
        not low.passed and low.severity == dg.AssetCheckSeverity.WARN and "50%" in low.description
    )
    assert (
        match_rate_result({"match_rate": None}).passed
        and match_rate_result({"match_rate": 0.8}).passed
    )


def test_single_anime_partition_collects_its_animethemes_links(fake, tmp_path):
    from animusic_assets.defs.ingest.partitions import SINGLE_ANIME

    resource = live_sites(fake, tmp_path / "ingest")
    defs = ingest_definitions(live_sites=resource, top_n=4, batch_size=4)
    assets: list[Any] = list(defs.assets or [])
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(SINGLE_ANIME.name or "single_anime", ["1004"])
        result = dg.materialize(
            assets,
            selection=["single_anime"],
            partition_key="1004",
            resources={"live_sites": resource},
            instance=instance,
        )
    assert result.success
    meta = result.asset_materializations_for_node("single_anime")[0].metadata
    assert meta["animethemes_requests"].value == 1 and len(fake.animethemes.requests()) == 1
    stored = resource.store().get("animethemes", 1004)
    assert stored["found"] and [t["slug"] for t in stored["themes"]] == ["OP1", "ED1"]
