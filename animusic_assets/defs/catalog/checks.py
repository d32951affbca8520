"""Blocking checks on the catalog: nothing downstream (models, bundle) runs if one fails."""

import dagster as dg
import pandas as pd

from animusic_assets.automation import check_with_asset
from animusic_assets.core.catalog import RELATIONS
from animusic_assets.core.text import normalise
from animusic_assets.defs.catalog.assets import catalog, fill_rates

# minimum share of rows that must have a value; other columns are reported, not gated
MIN_FILL = {
    "song_id": 1.0,
    "title": 1.0,
    "anime_id": 1.0,
    "anime_title": 1.0,
    "relation": 1.0,
    "genres": 0.5,
}
# values a scraper leaks when it reads a table's header row as data
HEADER_WORDS = {
    "title",
    "song",
    "song title",
    "relation",
    "type",
    "episodes",
    "credits",
    "artist",
    "vocals",
    "name",
}


@dg.asset_check(
    asset=catalog,
    blocking=True,
    automation_condition=check_with_asset(),
    description="The catalog has at least one song.",
)
def catalog_not_empty(catalog: pd.DataFrame) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=len(catalog) > 0, metadata={"rows": len(catalog)})


@dg.asset_check(
    asset=catalog,
    blocking=True,
    automation_condition=check_with_asset(),
    description="No song_id appears twice in the same anime.",
)
def catalog_ids_unique(catalog: pd.DataFrame) -> dg.AssetCheckResult:
    duplicated = catalog[catalog.duplicated(["song_id", "anime_id"], keep=False)]
    return dg.AssetCheckResult(
        passed=duplicated.empty,
        metadata={
            "duplicates": len(duplicated),
            "examples": duplicated["song_id"].head(5).tolist(),
        },
    )


@dg.asset_check(
    asset=catalog,
    blocking=True,
    automation_condition=check_with_asset(),
    description="Every required column is filled in enough rows (song_id, title, "
    "anime: all of them; genres: half).",
)
def catalog_fill_rates(catalog: pd.DataFrame) -> dg.AssetCheckResult:
    rates = fill_rates(catalog)
    failing = {c: rates[c] for c, minimum in MIN_FILL.items() if rates.get(c, 0.0) < minimum}
    return dg.AssetCheckResult(
        passed=not failing, metadata={"fill_rates": rates, "below_minimum": failing}
    )


@dg.asset_check(
    asset=catalog,
    blocking=True,
    automation_condition=check_with_asset(),
    description="No scraped table header leaked in as a song, and every relation is a known one.",
)
def catalog_no_header_rows(catalog: pd.DataFrame) -> dg.AssetCheckResult:
    leaked = catalog[
        catalog["title"].map(normalise).isin(HEADER_WORDS) | ~catalog["relation"].isin(RELATIONS)
    ]
    return dg.AssetCheckResult(
        passed=leaked.empty,
        metadata={"leaked_rows": len(leaked), "examples": leaked["title"].head(5).tolist()},
    )
