"""MiniLM and MPNet song embeddings: incremental (cached per document text) and fast.

See core/embeddings.py for the backends; ``exact: true`` forces the plain fp32 path.
"""

from typing import Any

import dagster as dg
import pandas as pd
from pydantic import Field

from animusic_assets.automation import rebuild_after_upstream
from animusic_assets.core.embeddings import (
    ModelWeightsMissing,
    encode_documents_with_stats,
)
from animusic_assets.core.vectors import SongVectors
from animusic_assets.resources.embedder import EmbeddingCacheResource
from animusic_serving.recommend.scorers import PROFILE_QUERIES

# Both encoders use every CPU core; the pool lets the instance run one at a time
# (a pool has no limit until one is configured, e.g.
# `dagster instance concurrency set transformers 1`).
POOL = "transformers"


class TransformerConfig(dg.Config):
    # how serving builds the query from a profile (recommend/scorers.py): "nearest" profile
    # song, or the "mean" of the profile; nearest more than doubles NDCG@10 here (README)
    profile_query: str = Field(default="nearest", description="nearest | mean")
    exact: bool = Field(
        default=False, description="fp32 SentenceTransformer.encode instead of the fast path"
    )
    batch_size: int | None = Field(default=None, description="default: the backend's measured best")
    max_seq_length: int | None = Field(default=None, description="tokens; default: the model's own")


def _embed(
    context: dg.AssetExecutionContext,
    model: str,
    config: TransformerConfig,
    song_documents: pd.Series,
    embedding_cache: EmbeddingCacheResource,
) -> dg.MaterializeResult:
    if config.profile_query not in PROFILE_QUERIES:
        raise dg.Failure(
            description=f"profile_query must be one of {PROFILE_QUERIES}, "
            f"got {config.profile_query!r}"
        )
    try:
        matrix, stats = encode_documents_with_stats(
            model,
            song_documents.tolist(),
            embedding_cache.get_cache(),
            mode="exact" if config.exact else "fast",
            batch_size=config.batch_size,
            max_seq_length=config.max_seq_length,
            models_root=embedding_cache.models_dir,
        )
    except ModelWeightsMissing as exc:
        raise dg.Failure(description=str(exc)) from exc
    context.log.info(
        f"{model}: {stats.hits} cached, {stats.misses} embedded "
        f"({stats.backend} on {stats.device}, {stats.texts_per_s} texts/s)"
    )
    metadata: dict[str, Any] = {
        "rows": stats.rows,
        "dim": stats.dim,
        "cache_hits": stats.hits,
        "cache_misses": stats.misses,
        "cache_corrupt_rows": stats.corrupt,
        "seconds": round(stats.seconds, 2),
        "texts_per_s": stats.texts_per_s,
        "device": stats.device,
        "backend": stats.backend,
        "batch_size": stats.batch_size,
        "variant": stats.variant,
    }
    if stats.note:
        metadata["note"] = stats.note
    params = {
        "model": model,
        "dim": stats.dim,
        "mode": "exact" if config.exact else "fast",
        "backend": stats.backend,
        "variant": stats.variant,
        "profile_query": config.profile_query,
    }
    return dg.MaterializeResult(value=SongVectors(matrix, params), metadata=metadata)


@dg.asset(
    group_name="models",
    kinds={"pytorch", "numpy"},
    pool=POOL,
    automation_condition=rebuild_after_upstream(),
)
def minilm_model(
    context: dg.AssetExecutionContext,
    config: TransformerConfig,
    song_documents: pd.Series,
    embedding_cache: EmbeddingCacheResource,
) -> dg.MaterializeResult:
    """all-MiniLM-L6-v2 (384-d), one L2-normalised float32 row per document, same order."""
    return _embed(context, "minilm", config, song_documents, embedding_cache)


@dg.asset(
    group_name="models",
    kinds={"pytorch", "numpy"},
    pool=POOL,
    automation_condition=rebuild_after_upstream(),
)
def mpnet_model(
    context: dg.AssetExecutionContext,
    config: TransformerConfig,
    song_documents: pd.Series,
    embedding_cache: EmbeddingCacheResource,
) -> dg.MaterializeResult:
    """all-mpnet-base-v2 (768-d), one L2-normalised float32 row per document, same order."""
    return _embed(context, "mpnet", config, song_documents, embedding_cache)
