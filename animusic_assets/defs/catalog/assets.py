"""The clean catalog: one typed row per song-in-anime with a stable song_id."""

import dagster as dg
import pandas as pd

from animusic_assets.automation import rebuild_after_upstream
from animusic_assets.core.catalog import build_catalog_with_rejects, catalog_hash

# more rejected songs than this share means the source or its parser is broken
MAX_REJECTED_SHARE = 0.05


@dg.asset(
    group_name="catalog",
    kinds={"pandas"},
    automation_condition=rebuild_after_upstream(),
    description="The clean catalog: one typed row per song in an anime with a stable "
    "song_id; rejected songs are logged with their reason, and more than 5% "
    "rejected fails the run (a broken source or parser).",
)
def catalog(context: dg.AssetExecutionContext, anime_records: list[dict]) -> dg.MaterializeResult:
    frame, rejects = build_catalog_with_rejects(anime_records)
    for reject in rejects[:20]:
        context.log.warning(
            "rejected %s / %r: %s", reject["mal_id"], reject["song"], reject["reason"]
        )
    rejected_share = len(rejects) / max(len(rejects) + len(frame), 1)
    if rejected_share > MAX_REJECTED_SHARE:
        raise dg.Failure(
            f"{len(rejects)} of {len(rejects) + len(frame)} songs rejected; "
            f"first: {rejects[0]['reason']}"
        )
    preview = frame[["song_id", "anime_title", "relation", "sequence", "title"]].head(10)
    return dg.MaterializeResult(
        value=frame,
        metadata={
            "rows": len(frame),
            "rejected": len(rejects),
            "rejected_examples": [f"{r['mal_id']}: {r['reason']}" for r in rejects[:10]],
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
