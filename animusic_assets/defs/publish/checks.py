"""Checks on the published bundle: it loads and every file matches its checksum."""

import dagster as dg

from animusic_assets.automation import check_with_asset
from animusic_assets.defs.publish.assets import model_bundle
from animusic_assets.resources import BundleStoreResource
from animusic_serving.bundle import BundleError


@dg.asset_check(
    asset=model_bundle,
    automation_condition=check_with_asset(),
    description="The current bundle loads and every file matches its manifest checksum.",
)
def bundle_loads_and_verifies(bundle_store: BundleStoreResource) -> dg.AssetCheckResult:
    try:
        bundle = bundle_store.load(verify=True)
    except BundleError as exc:
        return dg.AssetCheckResult(passed=False, metadata={"error": str(exc)})
    return dg.AssetCheckResult(
        passed=True,
        metadata={"version": bundle.version, "songs": bundle.n_songs, "models": bundle.model_names},
    )
