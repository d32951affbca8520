from animusic_assets.resources.anime_source import (
    AnimeSourceResource,
    DemoSnapshotSource,
    JsonFileAnimeSource,
)
from animusic_assets.resources.bundle_store import BundleStoreResource

__all__ = ["AnimeSourceResource", "DemoSnapshotSource", "JsonFileAnimeSource", "BundleStoreResource"]
