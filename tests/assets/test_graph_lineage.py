"""The operator's view of the code location: one connected lineage from outside sources, every
asset and check described, automation where it belongs, and nothing that runs by itself in the
demo until someone switches it on."""

import dagster as dg
import networkx as nx
import pytest

from animusic_assets import definitions
from animusic_assets.build_selection import BUILD_SELECTION


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return definitions.defs()


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


def _lineage(graph) -> nx.DiGraph:
    lineage = nx.DiGraph()
    for key in graph.get_all_asset_keys():
        lineage.add_node(key)
        lineage.add_edges_from((parent, key) for parent in graph.get(key).parent_keys)
    return lineage


def test_the_global_lineage_is_one_graph_fed_by_external_sources(graph):
    lineage = _lineage(graph)
    external = {k for k in lineage if not graph.get(k).is_executable}
    assert {
        dg.AssetKey(["api_db", t])
        for t in ("users", "anime_list_entries", "feedback", "impressions")
    } <= external
    assert all(graph.get(k).kinds for k in external)
    # no executable asset without an upstream: every chain starts at an external asset
    roots = {k for k in lineage if lineage.in_degree(k) == 0}
    assert roots <= external, f"assets with no upstream: {sorted(map(str, roots - external))}"
    reachable = set().union(*(nx.descendants(lineage, k) for k in external)) | external
    assert reachable == set(lineage)
    # none orphaned: every external asset feeds something, and it is all one graph
    assert all(lineage.out_degree(k) > 0 for k in external)
    assert nx.number_weakly_connected_components(lineage) == 1
    # the collection feeds the build: the catalog depends on every collected partition
    path = nx.shortest_path(lineage, dg.AssetKey("youtube_links"), dg.AssetKey("model_bundle"))
    assert path[1:] == [dg.AssetKey("anime_records"), dg.AssetKey("catalog"), *path[3:]]
    assert dg.AssetKey("offline_evaluation") in nx.descendants(lineage, dg.AssetKey("model_bundle"))


def test_every_asset_and_check_is_described_with_kinds_and_a_group(defs, graph):
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and len(node.description) > 20, key
        assert node.kinds, key
        assert node.group_name and node.group_name != "default", key
    for checks in defs.asset_checks:
        for spec in checks.check_specs:
            assert spec.description, spec.name


def test_the_build_and_its_blocking_checks_refresh_by_automation(defs, graph):
    build = BUILD_SELECTION.resolve(graph)
    for key in build:
        assert graph.get(key).automation_condition is not None, key
    for checks in defs.asset_checks:
        for spec in checks.check_specs:
            if spec.asset_key in build:
                assert spec.automation_condition is not None, spec.name
    for key in dg.AssetSelection.groups("analytics").resolve(graph):
        assert "daily" in graph.get(key).automation_condition.get_label(), key
    # the collection is driven by its schedules and backfills, never by the automation
    for key in dg.AssetSelection.groups("ingest_live").resolve(graph):
        assert graph.get(key).automation_condition is None, key


def test_sensors_and_schedules_start_stopped_and_say_so(defs, graph):
    repo = defs.get_repository_def()
    sensors = {s.name: s for s in repo.sensor_defs}
    schedules = {s.name: s for s in repo.schedule_defs}
    assert {"rebuild_after_collection", "daily_reports"} <= set(sensors)
    assert {
        "weekly_full_rebuild",
        "daily_collection",
        "weekly_mal_ranking",
        "monthly_youtube_stats",
    } <= set(schedules)
    assert "default_automation_condition_sensor" not in sensors  # ours cover every condition
    for item in [*sensors.values(), *schedules.values()]:
        assert item.default_status.value == "STOPPED", item.name
        assert item.description and "stopped" in item.description.lower(), item.name
    automated = {k for k in graph.get_all_asset_keys() if graph.get(k).automation_condition}
    targeted: set[dg.AssetKey] = set()
    for sensor in sensors.values():
        if isinstance(sensor, dg.AutomationConditionSensorDefinition):
            targeted |= sensor.asset_selection.resolve(graph)
    assert automated <= targeted
    assert schedules["weekly_full_rebuild"].job_name == "build_and_publish"
