"""Checks on the published bundle: it loads, verifies, and its neighbours make sense."""

import dagster as dg
import numpy as np

from animusic_assets.defs.publish.assets import model_bundle
from animusic_assets.resources import BundleStoreResource
from animusic_serving.bundle import BundleError

# share of songs whose nearest TF-IDF neighbour comes from the same anime; documents of one
# anime share its titles, genres and studio, so a healthy model is far above chance
MIN_SAME_ANIME_NEIGHBOURS = 0.5
SAMPLE = 2000


@dg.asset_check(asset=model_bundle)
def bundle_loads_and_verifies(bundle_store: BundleStoreResource) -> dg.AssetCheckResult:
    try:
        bundle = bundle_store.load(verify=True)
    except BundleError as exc:
        return dg.AssetCheckResult(passed=False, metadata={"error": str(exc)})
    return dg.AssetCheckResult(passed=True, metadata={"version": bundle.version,
                                                      "songs": bundle.n_songs,
                                                      "models": bundle.model_names})


@dg.asset_check(asset=model_bundle)
def tfidf_neighbours_are_sane(bundle_store: BundleStoreResource) -> dg.AssetCheckResult:
    bundle = bundle_store.load()
    anime = bundle.songs["anime_id"].to_numpy()
    _, anime_codes = np.unique(anime, return_inverse=True)
    has_sibling = np.bincount(anime_codes)[anime_codes] > 1
    # a seeded sample keeps the check O(sample x songs) on large catalogs
    rows = np.flatnonzero(has_sibling)
    rows = np.random.default_rng(0).choice(rows, size=min(len(rows), SAMPLE), replace=False)
    if not len(rows):
        return dg.AssetCheckResult(passed=True, metadata={"skipped": "no anime has two songs"})
    similarity = (bundle.tfidf[rows] @ bundle.tfidf.T).toarray()
    similarity[np.arange(len(rows)), rows] = -1.0
    nearest = similarity.argmax(axis=1)
    share = float((anime[nearest] == anime[rows]).mean())
    return dg.AssetCheckResult(passed=share >= MIN_SAME_ANIME_NEIGHBOURS,
                               metadata={"same_anime_share": round(share, 3),
                                         "minimum": MIN_SAME_ANIME_NEIGHBOURS})
