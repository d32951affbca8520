"""The resources every asset of the build shares (the live sites and the API database are
bound next to the assets that use them, in defs/ingest and defs/analytics)."""

import os

import dagster as dg

from animusic_assets.resources import BundleStoreResource, UserListsResource
from animusic_assets.resources.embedder import EmbeddingCacheResource
from animusic_assets.resources.modes import anime_source_for_mode


@dg.definitions
def build_resources() -> dg.Definitions:
    return dg.Definitions(resources={
        "anime_source": anime_source_for_mode(os.environ.get("ANIMUSIC_MODE", "snapshot")),
        "bundle_store": BundleStoreResource(root=dg.EnvVar("ANIMUSIC_BUNDLE_DIR")),
        # real lists when the file is there (../shared in development), else synthetic users
        "user_lists": UserListsResource(path=os.environ.get("ANIMUSIC_USER_LISTS", "")),
        "embedding_cache": EmbeddingCacheResource(),  # $ANIMUSIC_CACHE_DIR, else .data/cache
    })
