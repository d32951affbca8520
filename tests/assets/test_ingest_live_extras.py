"""Live-mode wiring: browser fallback for MAL pages, AniList import, single-anime partitions,
schedules, and the collection present in every mode."""

from pathlib import Path

import dagster as dg
import pytest

from animusic_assets.defs.ingest.definitions import ingest_definitions
from animusic_assets.defs.ingest.partitions import SINGLE_ANIME, rank_batch_keys
from animusic_assets.resources.settings import settings_from_env
from tests.assets.fakesite.harness import live_sites
from tests.assets.fakesite.server import FakeSites


@pytest.fixture()
def fake():
    sites = FakeSites(n_anime=6).start()
    yield sites
    sites.stop()


def test_rank_batches_and_collection_in_every_mode(monkeypatch):
    keys = rank_batch_keys(1500, 50)
    assert keys[0] == "0001-0050" and keys[-1] == "1451-1500" and len(keys) == 30
    assert rank_batch_keys(120, 50)[-1] == "0101-0120"
    monkeypatch.setenv(
        "ANIMUSIC_MODE", "snapshot"
    )  # the mode only chooses what anime_records reads
    defs = ingest_definitions(settings=settings_from_env({}))
    assert {k.to_user_string() for a in defs.assets for k in a.keys} >= {
        "mal_ranking",
        "mal_details",
        "mal_pages",
        "anidb_anime",
        "youtube_links",
        "single_anime",
    }
    assert (
        defs.resolve_job_def("ingest_rank_batch").partitions_def.get_partition_keys()[-1]
        == "1451-1500"
    )
    assert all(s.default_status == dg.DefaultScheduleStatus.STOPPED for s in defs.schedules)


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no system Chromium")
def test_mal_page_needing_javascript_falls_back_to_the_browser(fake, tmp_path):
    fake.inject(
        "mal_web", "/anime/1002", "js", "js"
    )  # plain HTTP and the browser both get the JS shell
    sites = live_sites(fake, tmp_path, browser_fallback=True).clients()
    page = sites.mal_page(1002)
    assert page["title_romaji"] == "Fake Show 2: Blue & Gold!" and page["anidb_anime_id"] == 5002
    assert [r["path"] for r in fake.requests("mal_web")] == ["/anime/1002", "/anime/1002"]
    assert sites.mal_page(1002)["anidb_anime_id"] == 5002  # the rendered page is cached
    assert len(fake.requests("mal_web")) == 2


def test_anilist_list_import(fake, tmp_path):
    sites = live_sites(fake, tmp_path).clients()
    assert [e["mal_id"] for e in sites.anilist_list("demo")] == [1001, 1002, 1003]
    assert fake.requests("anilist")[0]["method"] == "POST"


def test_single_anime_dynamic_partition_and_daily_schedule(fake, tmp_path):
    resource = live_sites(fake, tmp_path)
    defs = ingest_definitions(live_sites=resource, top_n=6, batch_size=2)
    with dg.instance_for_test() as instance:
        _single_anime_and_schedule(defs, resource, instance)


def _single_anime_and_schedule(defs, resource, instance):
    instance.add_dynamic_partitions(SINGLE_ANIME.name, ["1006"])
    result = dg.materialize(
        list(defs.assets),
        selection=["single_anime"],
        partition_key="1006",
        resources={"live_sites": resource},
        instance=instance,
    )
    assert result.success
    assert (
        resource.store().get("anidb", 1006)["songs"]
        and resource.store().get("youtube", 1006)["links"]
    )

    schedule = defs.resolve_schedule_def("daily_collection")
    with dg.build_schedule_context(
        instance=instance, repository_def=defs.get_repository_def()
    ) as context:
        requests = schedule.evaluate_tick(context).run_requests
    # AniDB cap 200 / 2 anime per batch -> every uncollected batch fits in one day here
    assert [r.partition_key for r in requests] == ["0001-0002", "0003-0004", "0005-0006"]
    assert {s.name for s in defs.schedules} == {
        "daily_collection",
        "weekly_mal_ranking",
        "monthly_youtube_stats",
    }
