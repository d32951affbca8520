"""The asset graph loads, materialises in-process and publishes a bundle the API can read."""

from pathlib import Path

import dagster as dg
import pytest

from animusic_assets import definitions
from animusic_assets.build_selection import build_assets_and_checks
from animusic_assets.resources import BundleStoreResource, JsonFileAnimeSource, UserListsResource
from animusic_assets.resources.anime_lists import AnimeListsResource
from animusic_assets.resources.embedder import EmbeddingCacheResource
from animusic_assets.resources.modes import anime_source_for_mode
from animusic_serving.bundle import load_bundle, read_current

FIXTURE = Path(__file__).parent / "fixtures" / "mini_anime_records.json"


def _materialize(tmp_path, records_path=FIXTURE):
    return dg.materialize(
        build_assets_and_checks(),  # the build, without collection and analytics
        resources={
            "anime_source": JsonFileAnimeSource(path=str(records_path)),
            "bundle_store": BundleStoreResource(root=str(tmp_path / "bundles")),
            "user_lists": UserListsResource(path="", synthetic_users=60),
            "embedding_cache": EmbeddingCacheResource(root=str(tmp_path / "cache")),
            "anime_lists_source": AnimeListsResource(),
        },  # no lists: left out
        raise_on_error=False,
    )


def test_definitions_load_with_every_asset_and_check():
    defs = definitions.defs()
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys >= {
        "anime_records",
        "catalog",
        "song_documents",
        "tfidf_model",
        "popularity_model",
        "node2vec_model",
        "minilm_model",
        "mpnet_model",
        "model_bundle",
        "offline_evaluation",
        "engagement_report",
        "adaptation_report",
        "feasibility_report",
        # live collection: in every mode, the mode only chooses what anime_records reads
        "mal_ranking",
        "mal_details",
        "mal_pages",
        "anidb_anime",
        "youtube_links",
        "single_anime",
        "anime_lists",
        "lists_model",
        "api_db/anime_list_entries",
    }
    checks = {k.name for k in graph.asset_check_keys}
    assert {
        "catalog_not_empty",
        "catalog_ids_unique",
        "catalog_fill_rates",
        "catalog_no_header_rows",
        "bundle_loads_and_verifies",
        "tfidf_rows_valid_and_neighbours_sane",
        "node2vec_vectors_valid",
        "minilm_vectors_valid",
        "mpnet_vectors_valid",
        "lists_model_valid",
    } <= checks
    assert defs.resolve_job_def("build_and_publish")
    assert defs.resolve_job_def("ingest_rank_batch").partitions_def is not None


def test_graph_materializes_and_publishes_a_bundle(tmp_path):
    result = _materialize(tmp_path)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks and all(checks.values()), checks
    evaluation = result.asset_materializations_for_node("offline_evaluation")[0].metadata
    assert "no user has enough liked anime" in evaluation["skipped"].value  # 3 anime only
    bundle = load_bundle(tmp_path / "bundles", verify=True)
    assert read_current(tmp_path / "bundles") == bundle.version
    assert sorted(bundle.model_names) == [
        "hybrid",
        "minilm",
        "mpnet",
        "node2vec",
        "popular",
        "random",
        "tfidf",
    ]
    assert "weights" in bundle.manifest["models"]["hybrid"]["params"]
    # no lists file configured: the lists model is left out with a reason, the rest publishes
    assert "users" in bundle.manifest["left_out"]["lists"]
    assert bundle.n_songs == 7  # 8 listed songs, "again" listed twice
    assert bundle.tfidf.shape[0] == bundle.n_songs
    # the nearest-profile models are published with their neighbour lists
    assert set(bundle.neighbours) == {"tfidf", "minilm", "mpnet", "node2vec"}
    assert all(rows.shape == (7, 6) for rows, _ in bundle.neighbours.values())
    top = bundle.songs.iloc[int(bundle.scores["popular"].argmax())]
    assert top["title"] == "again"


def test_evaluation_on_the_demo_snapshot_with_synthetic_users(tmp_path, monkeypatch):
    from animusic_assets.resources import DemoSnapshotSource

    result = dg.materialize(
        [a for a in build_assets_and_checks() if not isinstance(a, dg.AssetChecksDefinition)],
        resources={
            "anime_source": DemoSnapshotSource(),
            "bundle_store": BundleStoreResource(root=str(tmp_path / "bundles")),
            "user_lists": UserListsResource(path=str(tmp_path / "absent.csv"), synthetic_users=80),
            "embedding_cache": EmbeddingCacheResource(root=str(tmp_path / "cache")),
            "anime_lists_source": AnimeListsResource(),
        },  # no lists: left out
        run_config={
            "ops": {
                "offline_evaluation": {
                    "config": {
                        "reports_dir": str(tmp_path / "reports"),
                        "loop_users": 10,
                        "playlists": 3,
                    }
                }
            }
        },
    )
    assert result.success
    table = result.output_for_node("offline_evaluation")
    assert set(table.index) == {
        "tfidf",
        "minilm",
        "mpnet",
        "node2vec",
        "popular",
        "random",
        "hybrid",
    }
    assert table["HR@10"].between(0, 1).all()
    # synthetic users love a genre: content models must beat random on them
    assert table.loc["tfidf", "NDCG@10"] > table.loc["random", "NDCG@10"]
    meta = result.asset_materializations_for_node("offline_evaluation")[0].metadata
    assert "synthetic users" in meta["user_lists"].value
    report_dir = next((tmp_path / "reports").glob("evaluation-*"))
    assert {p.name for p in report_dir.iterdir()} == {
        "evaluation.md",
        "evaluation.html",
        "ranking.png",
        "like_rate_by_exposure.png",
    }
    latest = (tmp_path / "reports" / "evaluation.html").read_text()
    assert "**Ranking:**" in meta["report"].value and "Ranking:</strong>" in latest
    assert "offline evaluation, not live listeners" in latest


def test_a_failing_blocking_check_stops_publishing(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        '[{"mal_id": 1, "title_romaji": "X", "genres": [], "songs": ['
        '{"relation": "opening", "title": "Title", "credits": [], "links": []}]}]'
    )
    result = _materialize(tmp_path, bad)
    assert not result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["catalog_no_header_rows"] is False
    assert read_current(tmp_path / "bundles") is None


def test_unknown_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="ANIMUSIC_MODE"):
        anime_source_for_mode("bogus")
