"""The `popular` model: a popularity score per song (see core/popularity.py for the evidence)."""

import dagster as dg
import numpy as np
import pandas as pd

from animusic_assets.automation import rebuild_after_upstream
from animusic_assets.core.popularity import popularity_scores


@dg.asset(
    group_name="models",
    kinds={"pandas", "numpy"},
    automation_condition=rebuild_after_upstream(),
    description="The `popular` model: one score per song from the best public evidence "
    "the catalog has (YouTube views and likes, else MAL members and "
    "popularity rank, else songs per anime).",
)
def popularity_model(catalog: pd.DataFrame) -> dg.MaterializeResult:
    scores, evidence = popularity_scores(catalog)
    top = catalog.iloc[np.argsort(-scores)[:5]]
    return dg.MaterializeResult(
        value=scores,
        metadata={
            "evidence": evidence,
            "top_5": [f"{r.title} ({r.anime_title})" for r in top.itertuples()],
        },
    )
