"""The asset graph loads, materialises in-process and publishes a bundle the API can read."""

from pathlib import Path

import dagster as dg
import pytest

from animusic_assets import definitions
from animusic_assets.resources import BundleStoreResource, JsonFileAnimeSource
from animusic_serving.bundle import load_bundle, read_current

FIXTURE = Path(__file__).parent / "fixtures" / "mini_anime_records.json"


def _materialize(tmp_path, records_path=FIXTURE):
    return dg.materialize(
        [*definitions.all_assets, *definitions.all_checks],
        resources={"anime_source": JsonFileAnimeSource(path=str(records_path)),
                   "bundle_store": BundleStoreResource(root=str(tmp_path / "bundles"))},
        raise_on_error=False,
    )


def test_definitions_load_with_every_asset_and_check():
    graph = definitions.defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == {"anime_records", "catalog", "song_documents", "tfidf_model",
                    "popularity_model", "model_bundle"}
    checks = {k.name for k in graph.asset_check_keys}
    assert {"catalog_not_empty", "catalog_ids_unique", "catalog_fill_rates",
            "catalog_no_header_rows", "bundle_loads_and_verifies",
            "tfidf_neighbours_are_sane"} <= checks
    assert definitions.defs.resolve_job_def("build_and_publish")


def test_graph_materializes_and_publishes_a_bundle(tmp_path):
    result = _materialize(tmp_path)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks and all(checks.values()), checks
    bundle = load_bundle(tmp_path / "bundles", verify=True)
    assert read_current(tmp_path / "bundles") == bundle.version
    assert sorted(bundle.model_names) == ["popular", "random", "tfidf"]
    assert bundle.n_songs == 7  # 8 listed songs, "again" listed twice
    assert bundle.tfidf.shape[0] == bundle.n_songs
    top = bundle.songs.iloc[int(bundle.scores["popular"].argmax())]
    assert top["title"] == "again"


def test_a_failing_blocking_check_stops_publishing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"mal_id": 1, "title_romaji": "X", "genres": [], "songs": ['
                   '{"relation": "opening", "title": "Title", "credits": [], "links": []}]}]')
    result = _materialize(tmp_path, bad)
    assert not result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["catalog_no_header_rows"] is False
    assert read_current(tmp_path / "bundles") is None


def test_unknown_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="ANIMUSIC_MODE"):
        definitions.anime_source_for_mode("bogus")
