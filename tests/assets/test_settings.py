"""The code location reads its environment in one place (resources/settings.py)."""

from pathlib import Path

import dagster as dg
import pytest

from animusic_assets.resources.settings import ENV_VARS, AnimusicSettings, settings_from_env


def test_unset_paths_fall_back_to_one_data_root():
    settings = settings_from_env({"ANIMUSIC_DATA_DIR": "/srv/animusic", "ANIMUSIC_CACHE_DIR": " "})
    assert str(settings.bundle_root()) == "/srv/animusic/bundles"
    assert str(settings.cache_root()) == "/srv/animusic/cache"  # blank counts as unset
    assert str(settings.ingest_root()) == "/srv/animusic/ingest"
    assert str(AnimusicSettings().reports_root()) == ".data/reports"


def test_every_variable_is_read_and_documented():
    env = {
        var: "7" if field in {"top_n", "batch_size", "anidb_daily_cap"} else f"/x/{field}"
        for field, var in ENV_VARS.items()
    }
    settings = settings_from_env(env)
    assert settings.top_n == 7 and settings.bundle_dir == "/x/bundle_dir"
    contracts = (Path(__file__).resolve().parents[2] / "docs" / "CONTRACTS.md").read_text("utf-8")
    for var in [*ENV_VARS.values(), "ANIMUSIC_MAL_CLIENT_ID"]:
        assert f"`{var}`" in contracts, var


def test_a_bad_number_names_its_variable():
    with pytest.raises(ValueError, match="ANIMUSIC_TOP_N"):
        settings_from_env({"ANIMUSIC_TOP_N": "many"})


def test_the_code_location_binds_the_settings_it_runs_with(monkeypatch, tmp_path):
    from animusic_assets import definitions

    monkeypatch.setenv("ANIMUSIC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ANIMUSIC_TOP_N", "120")
    monkeypatch.setenv("ANIMUSIC_MAL_CLIENT_ID", "a-client-id")
    defs = definitions.defs()
    assert defs.resources["settings"].data_dir == str(tmp_path)
    assert defs.resources["bundle_store"].root == str(tmp_path / "bundles")
    assert defs.resources["live_sites"].data_dir == str(tmp_path / "ingest")
    keys = defs.resolve_job_def("ingest_rank_batch").partitions_def.get_partition_keys()
    assert keys[-1] == "0101-0120"
    assert isinstance(defs.resources["live_sites"].mal_client_id, dg.EnvVar)


def test_without_a_mal_client_id_a_collection_run_launches_and_says_what_is_missing(
    monkeypatch, tmp_path
):
    """Unset, the id must not stop every collection job at launch with Dagster's config error
    (a new operator's first click in the UI): the run starts, and the MAL step fails at once,
    before any request, with one line naming the variable."""
    from animusic_assets import definitions

    monkeypatch.setenv("ANIMUSIC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ANIMUSIC_MAL_CLIENT_ID", raising=False)
    defs = definitions.defs()
    assert defs.resources["live_sites"].mal_client_id == ""
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("refresh_mal_ranking").execute_in_process(
            instance=instance, raise_on_error=False
        )
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert failures, "the MAL step should fail"
    message = failures[0].step_failure_data.error.message
    assert "ANIMUSIC_MAL_CLIENT_ID is not set" in message, message
