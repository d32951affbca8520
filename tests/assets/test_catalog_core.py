"""Pure catalog logic: counts, normalisation, stable ids, merging, documents, popularity."""

import json
from pathlib import Path

import numpy as np
import pytest

from animusic_assets.core.catalog import CatalogError, build_catalog
from animusic_assets.core.counts import parse_count
from animusic_assets.core.documents import song_document
from animusic_assets.core.popularity import popularity_scores
from animusic_assets.core.text import hashed_song_id, normalise

FIXTURE = Path(__file__).parent / "fixtures" / "mini_anime_records.json"


def records():
    return json.loads(FIXTURE.read_text())


@pytest.mark.parametrize(
    "shown, expected",
    [
        ("1.2M", 1_200_000),
        ("9.7K", 9_700),
        ("938,066", 938_066),
        ("938,066 views", 938_066),
        ("12 likes", 12),
        ("1B", 1_000_000_000),
        ("No views", 0),
        (1234, 1234),
        ("", None),
        (None, None),
        ("Like", None),
        ("likes", None),
        ("abc", None),
        (-5, None),
    ],
)
def test_parse_count(shown, expected):
    assert parse_count(shown) == expected


def test_normalise_ignores_case_width_and_punctuation_but_ids_are_stable():
    assert (
        normalise("Shingeki no Kyojin: The Final Season!") == "shingeki no kyojin the final season"
    )
    assert normalise("ＦＵＬＬ　ＷＩＤＴＨ") == "full width"
    a = hashed_song_id("Tokyo Ghoul", "unravel", "opening")
    assert a == hashed_song_id("TOKYO GHOUL", "Unravel!", "Opening")
    assert a != hashed_song_id("Tokyo Ghoul", "unravel", "ending")
    assert a.startswith("h") and len(a) == 16


def test_build_catalog_merges_versions_and_keeps_punctuation():
    catalog = build_catalog(records())
    # FMA:B lists "again" twice (TV and a second upload): one row, both links, the max views
    again = catalog[catalog["title"] == "again"]
    assert len(again) == 1
    row = again.iloc[0]
    assert len(row["links"]) == 2
    assert row["views"] == 1_200_000 and row["likes"] == 9_700
    assert row["artists"] == ["YUI"]
    assert catalog["song_id"].is_unique
    assert set(catalog["relation"]) == {"opening", "ending", "insert"}
    insert = catalog[catalog["relation"] == "insert"].iloc[0]
    assert insert["artists"] == ["Go Shiina", "Nami Nakagawa"]
    assert str(catalog["views"].dtype) == "Int64" and str(catalog["anime_id"].dtype) == "Int64"
    # hidden likes stay null, never 0
    assert catalog.loc[catalog["title"] == "Hologram", "likes"].isna().all()
    assert catalog.loc[catalog["anime_id"] == 5114, "mal_members"].iloc[0] == 3_400_000


def test_build_catalog_ids_are_deterministic():
    assert (
        build_catalog(records())["song_id"].tolist() == build_catalog(records())["song_id"].tolist()
    )


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r[0]["songs"][0].update(relation="theme park"), "unknown relation"),
        (lambda r: r[0].update(mal_id=None), "mal_id"),
        (lambda r: r[0]["songs"][0].update(title="  "), "without a title"),
        (lambda r: r[0]["songs"][0]["credits"][0].update(role="singer"), "credit role"),
    ],
)
def test_bad_records_raise_a_clear_error(mutate, message):
    data = records()
    mutate(data)
    with pytest.raises(CatalogError, match=message):
        build_catalog(data)


def test_song_document_holds_every_field():
    row = build_catalog(records()).query("title == 'unravel'").iloc[0].to_dict()
    doc = song_document(row)
    for part in (
        "unravel",
        "Tokyo Ghoul",
        "opening theme",
        "vocals: TK from Ling tosite sigure",
        "genres: Action, Fantasy, Horror",
        "themes: Gore",
        "studio: Pierrot",
        "source: Manga",
    ):
        assert part in doc
    assert doc.index("unravel") == 0


def test_popularity_uses_views_first_then_members_then_song_count():
    catalog = build_catalog(records())
    scores, evidence = popularity_scores(catalog)
    assert evidence[:2] == ["views", "likes"]
    best = catalog.iloc[int(np.argmax(scores))]
    assert best["title"] == "again"
    assert scores.max() == pytest.approx(1.0) and scores.min() > 0
    assert len(set(scores.tolist())) == len(scores)  # a strict order, no ties

    no_views = catalog.assign(views=None).astype({"views": "Int64"})
    scores, evidence = popularity_scores(no_views)
    assert evidence[0] == "mal_members"
    # FMA:B is the only anime with members, so its songs come first
    top3 = no_views.iloc[np.argsort(-scores)[:3]]
    assert set(top3["anime_id"]) == {5114}


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("Shingeki no Kyojin", "Shingeki no Kyojin Season 3 Part 2", True),
        ("Initial D First Stage", "Initial D Second Stage", True),
        ("Zoku Sayonara Zetsubou Sensei", "Sayonara Zetsubou Sensei", True),
        ("Boku no Hero Academia 2nd Season", "Boku no Pico", False),
        ("Mob Psycho 100", "Mob Psycho 100 II", True),
        ("86", "Tokyo Ghoul", False),
    ],
)
def test_franchise_key_groups_seasons(a, b, same):
    from animusic_assets.core.franchise import franchise_key

    assert (franchise_key(a) == franchise_key(b)) is same
