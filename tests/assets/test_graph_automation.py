"""The graph refreshes itself: a backfill of collection partitions over the fake sites, then
the automation evaluated in-process, rebuilds catalog -> models -> bundle exactly once; the run
publishes a new bundle version and the API serves a song of a newly collected anime. A failed
collection run afterwards triggers nothing."""

import time

import dagster as dg
import pytest
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill

from animusic_assets.build_selection import build_assets_and_checks
from animusic_assets.defs.ingest.definitions import ingest_definitions
from animusic_assets.resources import BundleStoreResource, UserListsResource
from animusic_assets.resources.anime_lists import AnimeListsResource
from animusic_assets.resources.embedder import EmbeddingCacheResource
from animusic_assets.resources.live_source import LiveAnimeSource
from animusic_serving.bundle import read_current
from tests.assets.fakesite.harness import live_sites
from tests.assets.fakesite.server import FakeSites
from tests.serving.conftest import make_client, publish_synthetic

STAGES = ["mal_details", "mal_pages", "anidb_anime", "youtube_links"]
REBUILT = {
    "anime_records",
    "catalog",
    "song_documents",
    "tfidf_model",
    "popularity_model",
    "node2vec_model",
    "anime_lists",
    "lists_model",
    "minilm_model",
    "mpnet_model",
    "model_bundle",
    "offline_evaluation",
}


@pytest.fixture()
def fake():
    sites = FakeSites(n_anime=6).start()
    yield sites
    sites.stop()


def _requested(result) -> dict[str, int]:
    """``{asset key or check name: requested partitions}`` of one evaluation."""
    out = {}
    for entry in result.results:
        if entry.true_subset.size:
            key = entry.key
            out[getattr(key, "name", None) or key.to_user_string()] = entry.true_subset.size
    return out


def _backfill(instance, defs, keys: list[str]) -> str:
    """Register a backfill of ``keys`` the way the UI does, so the automation sees it."""
    backfill = PartitionBackfill.from_asset_partitions(
        backfill_id="collect",
        asset_graph=defs.resolve_asset_graph(),
        partition_names=keys,
        asset_selection=[dg.AssetKey(s) for s in STAGES],
        backfill_timestamp=time.time(),
        tags={},
        dynamic_partitions_store=instance,
        all_partitions=False,
        title="collect",
        description=None,
        run_config=None,
    )
    instance.add_backfill(backfill)
    return backfill.backfill_id


def test_backfill_then_automation_rebuilds_once_and_the_api_serves_the_new_anime(
    fake, tmp_path, database_url
):
    bundles = tmp_path / "bundles"
    baseline = publish_synthetic(bundles)  # what the API served before the collection
    sites = live_sites(fake, tmp_path / "ingest")
    ingest = ingest_definitions(live_sites=sites, top_n=6, batch_size=2)
    build = build_assets_and_checks()
    checks = [c for c in build if isinstance(c, dg.AssetChecksDefinition)]
    defs = dg.Definitions.merge(
        ingest,
        dg.Definitions(
            assets=[a for a in build if a not in checks],
            asset_checks=checks,
            resources={
                "anime_source": LiveAnimeSource(data_dir=str(tmp_path / "ingest")),
                "bundle_store": BundleStoreResource(root=str(bundles)),
                "user_lists": UserListsResource(path="", synthetic_users=20),
                "embedding_cache": EmbeddingCacheResource(root=str(tmp_path / "cache")),
                "anime_lists_source": AnimeListsResource(),  # no lists: left out
            },
        ),
    )
    collection = [a for a in ingest.assets or [] if isinstance(a, dg.AssetsDefinition)]
    run_config = {
        "ops": {
            "offline_evaluation": {
                "config": {
                    "reports_dir": str(tmp_path / "reports"),
                    "loop_users": 5,
                    "playlists": 2,
                }
            }
        }
    }

    with dg.instance_for_test() as instance:

        def evaluate(cursor):
            return dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)

        assert dg.materialize(
            collection,
            selection=["mal_ranking"],
            instance=instance,
            resources={"live_sites": sites},
        ).success
        tick = evaluate(None)
        assert _requested(tick) == {}  # the ranking alone changes no anime

        backfill_id = _backfill(instance, defs, ["0001-0002", "0003-0004"])
        for n, key in enumerate(["0001-0002", "0003-0004"]):
            assert dg.materialize(
                collection,
                selection=STAGES,
                partition_key=key,
                instance=instance,
                resources={"live_sites": sites},
                tags={"dagster/backfill": backfill_id},
            ).success
            if n == 0:  # one batch landed, the backfill is still running: wait for the rest
                tick = evaluate(tick.cursor)
                assert _requested(tick) == {}
        instance.update_backfill(
            instance.get_backfill(backfill_id).with_status(BulkActionStatus.COMPLETED_SUCCESS)
        )

        tick = evaluate(tick.cursor)
        requested = _requested(tick)
        # the whole chain once (one partition of each unpartitioned asset), checks included,
        # and nothing of the collection itself
        check_names = {spec.name for c in checks for spec in c.check_specs}
        assert set(requested) == REBUILT | check_names, requested
        assert all(n == 1 for n in requested.values()), requested

        assets = [a for a in build if a not in checks] + checks
        rebuild = dg.materialize(
            assets,
            selection=sorted(REBUILT),
            instance=instance,
            resources=defs.resources,
            run_config=run_config,
        )
        assert rebuild.success
        meta = rebuild.asset_materializations_for_node("model_bundle")[0].metadata
        assert meta["published"].value is True
        version = read_current(bundles)
        assert version == meta["version"].value and version != baseline

        # once: the next tick requests nothing (the run's own updates do not count again)
        tick = evaluate(tick.cursor)
        assert _requested(tick) == {}
        # a second publish from the same inputs (a racing tick, a weekly rebuild) is a no-op
        again = dg.materialize(
            assets, selection=["model_bundle"], instance=instance, resources=defs.resources
        )
        assert (
            again.asset_materializations_for_node("model_bundle")[0].metadata["published"].value
            is False
        )
        assert read_current(bundles) == version and len(list((bundles / "versions").iterdir())) == 2
        tick = evaluate(tick.cursor)

        with make_client(database_url, bundles) as client:
            found = client.get("/songs/search", params={"q": "Fake Show 3"}).json()
        assert found["bundle_version"] == version
        assert {item["title"] for item in found["items"]} >= {"Song Opening 3", "Song Ending 3"}

        # a collection run that fails half-way (AniDB bans us) changes nothing downstream
        fake.inject("anidb", "/anime/5005", "ban")
        failed = dg.materialize(
            collection,
            selection=STAGES,
            partition_key="0005-0006",
            instance=instance,
            resources={"live_sites": sites},
            raise_on_error=False,
        )
        assert not failed.success
        assert _requested(evaluate(tick.cursor)) == {}
        assert read_current(bundles) == version
