from animusic_assets.resources.anime_source import (
    AnimeSourceResource,
    AnimusicCsvSource,
    DemoSnapshotSource,
    JsonFileAnimeSource,
)
from animusic_assets.resources.bundle_store import BundleStoreResource

__all__ = ["AnimeSourceResource", "AnimusicCsvSource", "DemoSnapshotSource", "JsonFileAnimeSource", "BundleStoreResource"]
