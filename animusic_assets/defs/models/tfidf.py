"""TF-IDF over the song documents (scikit-learn, English stop words)."""

import dagster as dg
import pandas as pd
from pydantic import Field

from animusic_assets.automation import rebuild_after_upstream
from animusic_assets.core.tfidf import TfidfModel, fit_tfidf
from animusic_serving.recommend.scorers import PROFILE_QUERIES


class TfidfConfig(dg.Config):
    sublinear_tf: bool = True
    max_ngram: int = 2  # bigrams: +8 % NDCG@10 on the reference catalog (README)
    min_df: int = 1
    # serving's query: cosine to the nearest profile song (NDCG@10 0.087 -> 0.113 against the
    # mean of the profile rows; README "Offline evaluation")
    profile_query: str = Field(default="nearest", description="nearest | mean")


@dg.asset(
    group_name="models",
    kinds={"scikitlearn"},
    automation_condition=rebuild_after_upstream(),
    description="The `tfidf` model: a sparse TF-IDF row per song over its document "
    "(scikit-learn), L2-normalised.",
)
def tfidf_model(config: TfidfConfig, song_documents: pd.Series) -> dg.MaterializeResult:
    if config.profile_query not in PROFILE_QUERIES:
        raise dg.Failure(
            description=f"profile_query must be one of {PROFILE_QUERIES}, "
            f"got {config.profile_query!r}"
        )
    model: TfidfModel = fit_tfidf(
        song_documents.tolist(),
        sublinear_tf=config.sublinear_tf,
        max_ngram=config.max_ngram,
        min_df=config.min_df,
    )
    model.params["profile_query"] = config.profile_query  # serving only, like the others
    return dg.MaterializeResult(
        value=model,
        metadata={
            "songs": model.matrix.shape[0],
            "terms": len(model.vocabulary),
            "nonzeros": int(model.matrix.nnz),
            "params": model.params,
        },
    )
