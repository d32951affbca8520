"""Where transformer embeddings are cached between runs (see core/embedding_cache.py)."""

import dagster as dg
from pydantic import Field

from animusic_assets.core.embedding_cache import DEFAULT_CACHE_DIR, EmbeddingCache


class EmbeddingCacheResource(dg.ConfigurableResource):
    """Vectors live in ``<root>/embeddings/<model>.sqlite3`` and exported ONNX graphs in
    ``<root>/onnx/``; ``models_dir`` is where the transformer weights are unpacked. The code
    location sets both from AnimusicSettings (ANIMUSIC_CACHE_DIR, ANIMUSIC_MODELS_DIR)."""

    root: str | None = Field(default=None, description="cache root (default .data/cache)")
    models_dir: str | None = Field(
        default=None, description="transformer weights (default: core.embeddings' models dir)"
    )
    enabled: bool = Field(
        default=True, description="False: embed every document, read and write no cache"
    )

    def resolved_root(self) -> str:
        return self.root or DEFAULT_CACHE_DIR  # the code location sets it from AnimusicSettings

    def get_cache(self) -> EmbeddingCache | None:
        return EmbeddingCache(self.resolved_root()) if self.enabled else None
