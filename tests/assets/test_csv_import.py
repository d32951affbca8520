"""Importing a catalog CSV in the original Animusic layout."""

from pathlib import Path

import pytest

from animusic_assets.core.catalog import build_catalog_with_rejects
from animusic_assets.resources.modes import anime_source_for_mode
from animusic_assets.resources.settings import settings_from_env
from animusic_assets.sources.animusic_csv import CsvImportError, read_animusic_csv

FIXTURE = Path(__file__).parent / "fixtures" / "animusic_songs.csv"
REFERENCE = Path(__file__).parents[2] / ".." / "shared" / "data" / "reference_catalog.csv"


def test_csv_rows_become_anime_records():
    records = read_animusic_csv(FIXTURE)
    assert [r["mal_id"] for r in records] == [5114, 22319]
    fma = records[0]
    assert fma["title_english"] == "Fullmetal Alchemist: Brotherhood"
    assert fma["genres"] == ["Action", "Adventure", "Drama", "Fantasy"]
    assert fma["tags"] == [
        {"name": "alchemy", "weight": 600.0},
        {"name": "military", "weight": None},
    ]
    assert fma["mal_popularity"] == 3 and fma["anidb_anime_id"] == 6107
    again = fma["songs"][0]
    assert again["sequence"] == 1 and again["credits"][0] == {
        "role": "vocals",
        "name": "YUI",
        "creator_id": None,
    }
    platforms = [link["platform"] for link in again["links"]]
    assert platforms == ["youtube", "animethemes"]
    assert again["links"][0]["video_id"] is None  # never an invented id: a search URL
    assert again["links"][0]["url"].startswith("https://www.youtube.com/results?search_query=")


def test_broken_rows_are_rejected_with_a_reason_not_fatal():
    catalog, rejects = build_catalog_with_rejects(read_animusic_csv(FIXTURE))
    assert len(catalog) == 3
    assert rejects == [
        {"mal_id": 22319, "song": "", "reason": "song without a title in anime 22319"}
    ]


def test_missing_columns_and_bad_ids_are_clear_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("song,anime\nagain,FMA\n")
    with pytest.raises(CsvImportError, match="lacks columns: relation, MAL_ID"):
        read_animusic_csv(bad)
    bad.write_text("relation,song,MAL_ID,anime\nopening,again,five,FMA\n")
    with pytest.raises(CsvImportError, match=r"bad.csv:2: MAL_ID 'five'"):
        read_animusic_csv(bad)
    with pytest.raises(CsvImportError, match="cannot read"):
        read_animusic_csv(tmp_path / "absent.csv")


def test_csv_mode_needs_a_path():
    with pytest.raises(ValueError, match="ANIMUSIC_CATALOG_CSV"):
        anime_source_for_mode("csv", settings_from_env({}))
    settings = settings_from_env({"ANIMUSIC_CATALOG_CSV": str(FIXTURE)})
    assert anime_source_for_mode("csv", settings).path == str(FIXTURE)


@pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/data is absent")
def test_reference_catalog_imports():
    catalog, rejects = build_catalog_with_rejects(read_animusic_csv(REFERENCE))
    assert len(catalog) > 4300 and len(rejects) < 5
    assert catalog["song_id"].is_unique
    assert catalog["anime_id"].nunique() > 1200
    assert catalog["artists"].map(len).gt(0).mean() > 0.55
