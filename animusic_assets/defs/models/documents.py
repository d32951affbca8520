"""One text per song: the shared input of TF-IDF and the transformer models."""

import dagster as dg
import pandas as pd

from animusic_assets.automation import rebuild_after_upstream
from animusic_assets.core.documents import song_documents as build_documents


@dg.asset(
    group_name="models",
    kinds={"pandas"},
    automation_condition=rebuild_after_upstream(),
    description="One text per song (title, anime, relation, credits, tags, genres, "
    "studios): the shared input of TF-IDF and the transformer models.",
)
def song_documents(catalog: pd.DataFrame) -> dg.MaterializeResult:
    documents = build_documents(catalog)
    lengths = documents.str.split().str.len()
    return dg.MaterializeResult(
        value=documents,
        metadata={
            "documents": len(documents),
            "mean_words": round(float(lengths.mean()), 1),
            "example": dg.MetadataValue.text(str(documents.iloc[0]) if len(documents) else ""),
        },
    )
