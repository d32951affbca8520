from animusic_assets.resources.anime_source import (
    AnimeSourceResource,
    AnimusicCsvSource,
    DemoSnapshotSource,
    JsonFileAnimeSource,
)
from animusic_assets.resources.bundle_store import BundleStoreResource
from animusic_assets.resources.user_lists import UserListsResource

__all__ = [
    "AnimeSourceResource",
    "AnimusicCsvSource",
    "BundleStoreResource",
    "DemoSnapshotSource",
    "JsonFileAnimeSource",
    "UserListsResource",
]
