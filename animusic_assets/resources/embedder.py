"""Where transformer embeddings are cached between runs (see core/embedding_cache.py)."""

import os

import dagster as dg
from pydantic import Field

from animusic_assets.core.embedding_cache import DEFAULT_CACHE_DIR, EmbeddingCache


class EmbeddingCacheResource(dg.ConfigurableResource):
    """``root`` defaults to ``$ANIMUSIC_CACHE_DIR``, else ``.data/cache``; vectors live in
    ``<root>/embeddings/<model>.sqlite3`` and exported ONNX graphs in ``<root>/onnx/``.
    ``models_dir`` overrides ``$ANIMUSIC_MODELS_DIR`` (where the MPNet weights are unpacked)."""

    root: str | None = Field(default=None, description="cache root (default $ANIMUSIC_CACHE_DIR or .data/cache)")
    models_dir: str | None = Field(default=None, description="transformer weights (default $ANIMUSIC_MODELS_DIR or .data/models)")
    enabled: bool = Field(default=True, description="False: embed every document, read and write no cache")

    def resolved_root(self) -> str:
        return self.root or os.environ.get("ANIMUSIC_CACHE_DIR") or DEFAULT_CACHE_DIR

    def get_cache(self) -> EmbeddingCache | None:
        return EmbeddingCache(self.resolved_root()) if self.enabled else None
