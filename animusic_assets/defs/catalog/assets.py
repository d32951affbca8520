"""The clean catalog: one typed row per song-in-anime with a stable song_id."""

import dagster as dg
import pandas as pd

from animusic_assets.core.catalog import CatalogError, build_catalog, catalog_hash


@dg.asset(group_name="catalog", kinds={"pandas"})
def catalog(anime_records: list[dict]) -> dg.MaterializeResult:
    try:
        frame = build_catalog(anime_records)
    except CatalogError as exc:
        raise dg.Failure(f"cannot build the catalog: {exc}") from exc
    preview = frame[["song_id", "anime_title", "relation", "sequence", "title"]].head(10)
    return dg.MaterializeResult(
        value=frame,
        metadata={
            "rows": len(frame),
            "anime": int(frame["anime_id"].nunique()),
            "relations": {str(k): int(v) for k, v in frame["relation"].value_counts().items()},
            "catalog_hash": catalog_hash(frame),
            "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
        },
    )


def fill_rates(frame: pd.DataFrame) -> dict[str, float]:
    """Share of rows with a value per column (an empty list counts as missing)."""
    rates = {}
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object:
            filled = values.map(lambda v: v is not None and len(v) > 0)
        else:
            filled = values.notna()
        rates[column] = round(float(filled.mean()) if len(frame) else 0.0, 4)
    return rates
