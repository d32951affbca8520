"""A backfill of three rank batches through Dagster against the fake sites (127.0.0.1 only).

Proves: catalog rows with tags, credits and links; no host's rate limit exceeded (from the
fake sites' request log) even with injected 429/503/timeouts/slow answers; a second backfill
costs zero requests (everything comes from the page cache); requests per host per minute.
"""

import json
import time

import dagster as dg
import pytest

from animusic_assets.defs.catalog import assets as catalog_assets
from animusic_assets.defs.ingest import assets as ingest_assets
from animusic_assets.defs.ingest.definitions import ingest_definitions
from animusic_assets.resources.live_source import LiveAnimeSource
from tests.assets.fakesite.harness import FAST_RATE, live_sites
from tests.assets.fakesite.server import FakeSites, max_in_window

STAGES = ["mal_details", "mal_pages", "anidb_anime", "youtube_links"]


@pytest.fixture()
def fake():
    sites = FakeSites(n_anime=6).start()
    yield sites
    sites.stop()


def _backfill(defs, resources, instance, keys):
    assets = list(defs.assets)
    ranking = dg.materialize(
        assets, selection=["mal_ranking"], resources=resources, instance=instance
    )
    assert ranking.success
    for key in keys:
        result = dg.materialize(
            assets, selection=STAGES, partition_key=key, resources=resources, instance=instance
        )
        assert result.success, key


def test_backfill_of_three_partitions_yields_catalog_rows(fake, tmp_path):
    fake.english_only.add(1004)  # romaji search finds nothing relevant
    fake.inject("mal_api", "/v2/anime/1003", "429=0.2")  # Retry-After honoured
    fake.inject("anidb", "/anime/5004", "503")
    fake.inject("mal_web", "/anime/1005", "timeout=1.5")  # client timeout 1 s, then retried
    fake.inject("youtube", "/results", "slow=0.3")
    resource = live_sites(fake, tmp_path / "ingest")
    defs = ingest_definitions(live_sites=resource, top_n=6, batch_size=2)
    keys = defs.resolve_job_def("ingest_rank_batch").partitions_def.get_partition_keys()
    assert keys == ["0001-0002", "0003-0004", "0005-0006"]
    instance = dg.DagsterInstance.ephemeral()
    resources = {"live_sites": resource}

    started = time.time()
    _backfill(defs, resources, instance, keys)
    elapsed = time.time() - started
    log = fake.requests()
    assert {r["status"] for r in log} >= {200, 429, 503, "timeout"}
    assert all(r["path"] for r in log)

    # the limiter held per host, retries included (strict spacing: at most rate + 1 in any second)
    per_minute = {}
    for site in ("mal_api", "mal_web", "anidb", "youtube"):
        times = [r["t"] for r in log if r["site"] == site]
        assert times, site
        per_minute[site] = round(len(times) / elapsed * 60, 1)
    mal_times = [r["t"] for r in log if r["site"] in ("mal_api", "mal_web")]  # one "mal" bucket
    assert max_in_window(mal_times, 1.0) <= FAST_RATE + 1
    for site in ("anidb", "youtube"):
        assert max_in_window([r["t"] for r in log if r["site"] == site], 1.0) <= FAST_RATE + 1
    (tmp_path / "requests_per_minute.json").write_text(json.dumps(per_minute))
    print(
        f"\nbackfill of 3 partitions: {len(log)} requests in {elapsed:.1f} s; "
        f"per host per minute: {per_minute}"
    )

    # catalog through the unchanged anime_records -> catalog chain
    result = dg.materialize(
        [ingest_assets.anime_records, catalog_assets.catalog],
        resources={"anime_source": LiveAnimeSource(data_dir=str(tmp_path / "ingest"))},
        instance=instance,
    )
    assert result.success
    catalog = result.output_for_node("catalog")
    assert set(catalog["anime_id"]) == {1001, 1002, 1003, 1004, 1005, 1006}
    fake_rows = catalog[catalog["anime_id"] != 1001]
    assert len(fake_rows) == 10 and fake_rows["song_id"].is_unique
    assert all(row["tags"] and row["credits"] for _, row in catalog.iterrows())
    assert all(any(link["video_id"] for link in links) for links in fake_rows["links"])
    row = fake_rows[fake_rows["anime_id"] == 1004].iloc[0]  # found through the English title
    stored = resource.store().get("youtube", 1004)["links"]
    assert stored and all("(English)" in link["query"] for link in stored.values())
    assert (
        row["views"] > 0
        and row["likes"] == 321
        and row["anime_title"] == "Fake Show 4: Blue & Gold!"
    )
    assert {c["role"] for c in row["credits"]} >= {"vocals", "lyrics"}
    assert fake_rows["mal_rank"].notna().all() and fake_rows["anidb_anime_id"].notna().all()

    # a second backfill resumes entirely from the cache: zero requests
    before = len(fake.requests())
    _backfill(defs, resources, instance, keys)
    assert len(fake.requests()) == before
