"""The full build as one job: catalog, every model, the bundle and its evaluation."""

import dagster as dg

from animusic_assets.build_selection import BUILD_SELECTION

build_and_publish_job = dg.define_asset_job(
    "build_and_publish",
    selection=BUILD_SELECTION,
    description="Read the anime (snapshot, CSV or the collected live store), clean, train every "
    "model and publish a new bundle.",
)
