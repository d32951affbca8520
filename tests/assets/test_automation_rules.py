"""The automation's bad-input rules on a small graph with the real conditions
(animusic_assets/automation.py), the one-publisher rule of the bundle store, and a live
materialization without network."""

import threading
import time

import dagster as dg
import pytest

from animusic_assets.automation import (
    check_with_asset,
    rebuild_after_collection,
    rebuild_after_upstream,
)
from animusic_assets.defs.ingest.definitions import ingest_definitions
from animusic_assets.resources import BundleStoreResource
from animusic_assets.resources.live_sites import LiveSitesResource
from animusic_assets.sources.polite_fetcher import SiteUnreachable
from animusic_serving.bundle import VERSIONS_DIR, read_current
from tests.serving.conftest import synthetic_builder

BATCHES = dg.StaticPartitionsDefinition(["b1", "b2"])


class Verdict(dg.ConfigurableResource):
    catalog_ok: bool = True


@dg.asset(partitions_def=BATCHES)
def stage() -> None: ...


@dg.asset(deps=[stage], automation_condition=rebuild_after_collection())
def records() -> None: ...


@dg.asset(deps=[records], automation_condition=rebuild_after_upstream())
def catalog() -> None: ...


@dg.asset_check(asset=catalog, blocking=True, automation_condition=check_with_asset())
def catalog_valid(verdict: Verdict) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=verdict.catalog_ok)


@dg.asset
def side_model() -> None: ...  # a dependency rebuilt by hand, outside the automation


@dg.asset(deps=[catalog, side_model], automation_condition=rebuild_after_upstream())
def bundle() -> None: ...


def _requested(result) -> set[str]:
    return {
        getattr(r.key, "name", None) or r.key.to_user_string()
        for r in result.results
        if r.true_subset.size
    }


def test_a_failed_blocking_check_stops_the_publish_and_is_not_retried():
    assets = [stage, records, catalog, catalog_valid, side_model, bundle]
    defs = dg.Definitions(assets=assets, resources={"verdict": Verdict(catalog_ok=False)})
    with dg.instance_for_test() as instance:
        dg.materialize([side_model], instance=instance)
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        dg.materialize([stage], partition_key="b1", instance=instance)
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
        assert _requested(tick) == {"records", "catalog", "catalog_valid", "bundle"}
        run = dg.materialize(
            assets,
            selection=["records", "catalog", "bundle"],
            instance=instance,
            resources={"verdict": Verdict(catalog_ok=False)},
            raise_on_error=False,
        )
        assert not run.success
        assert not run.asset_materializations_for_node("bundle")  # stopped by the check
        for _ in range(3):  # no loop: nothing new upstream, nothing requested
            tick = dg.evaluate_automation_conditions(
                defs=defs, instance=instance, cursor=tick.cursor
            )
            assert _requested(tick) == set()
        # another dependency changing does not publish on top of the failed catalog
        dg.materialize([side_model], instance=instance)
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
        assert _requested(tick) == set()
        # new collection: the chain is tried again, once
        dg.materialize([stage], partition_key="b2", instance=instance)
        tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
        assert _requested(tick) == {"records", "catalog", "catalog_valid", "bundle"}


def test_racing_publishes_of_the_same_inputs_publish_one_bundle(tmp_path):
    store = BundleStoreResource(root=str(tmp_path / "bundles"))
    builds = []

    def build():
        builds.append(threading.get_ident())
        time.sleep(0.3)  # both threads are inside publish_unless_current together
        return synthetic_builder(), "catalog-hash", {}

    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(store.publish_unless_current("same-inputs", build))
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(published for _, published in results) == [False, True]
    assert len({version for version, _ in results}) == 1 and len(builds) == 1
    assert len(list((tmp_path / "bundles" / VERSIONS_DIR).iterdir())) == 1
    # other inputs publish a new version
    version, published = store.publish_unless_current("other-inputs", build)
    assert published and version != results[0][0] and read_current(tmp_path / "bundles") == version


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when this returns: connections are refused


def test_without_network_a_live_materialization_fails_at_once_in_one_line(tmp_path):
    dead = f"http://127.0.0.1:{_closed_port()}"
    sites = LiveSitesResource(
        mal_client_id="id",
        mal_api_base=dead,
        mal_web_base=dead,
        anidb_base=dead,
        youtube_base=dead,
        anilist_url=dead + "/",
        data_dir=str(tmp_path),
        browser_fallback=False,
    )
    clients = sites.clients()
    for call in (
        lambda: clients.mal_details(1),
        lambda: clients.mal_page(1),
        lambda: clients.anidb_anime(1),
        lambda: clients.youtube_link(["x"], "x", None),
    ):
        started = time.monotonic()
        with pytest.raises(SiteUnreachable) as raised:
            call()
        assert time.monotonic() - started < 3  # no backoff: the default policy retries 5 times
        assert "\n" not in str(raised.value) and "cannot reach 127.0.0.1" in str(raised.value)
    assert clients.fetcher.stats["network"] == 4  # one attempt per site

    defs = ingest_definitions(live_sites=sites, top_n=4, batch_size=2)
    started = time.monotonic()
    assets = [a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)]
    result = dg.materialize(
        assets, selection=["mal_ranking"], resources={"live_sites": sites}, raise_on_error=False
    )
    assert not result.success and time.monotonic() - started < 20
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message.strip()
    assert "cannot reach 127.0.0.1" in message and "no network" in message
