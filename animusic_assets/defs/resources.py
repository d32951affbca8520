"""The resources the build shares, all from one ``AnimusicSettings`` (the environment, read in
resources/settings.py). The live sites and the API database are bound next to the assets that
use them, in defs/ingest and defs/analytics."""

import dagster as dg

from animusic_assets.resources import BundleStoreResource, UserListsResource
from animusic_assets.resources.anime_lists import anime_lists_from_settings
from animusic_assets.resources.embedder import EmbeddingCacheResource
from animusic_assets.resources.modes import anime_source_for_mode
from animusic_assets.resources.settings import settings_from_env


@dg.definitions
def build_resources() -> dg.Definitions:
    settings = settings_from_env()
    return dg.Definitions(
        resources={
            "settings": settings,
            "anime_source": anime_source_for_mode(settings.mode, settings),
            "bundle_store": BundleStoreResource(root=str(settings.bundle_root())),
            # real lists when the file is there (../shared in development), else synthetic users
            "user_lists": UserListsResource(path=settings.user_lists),
            "anime_lists_source": anime_lists_from_settings(
                settings.public_lists, settings.user_lists, settings.database_url
            ),
            "embedding_cache": EmbeddingCacheResource(
                root=str(settings.cache_root()), models_dir=str(settings.models_root())
            ),
        }
    )
