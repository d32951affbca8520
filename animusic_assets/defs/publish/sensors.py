"""Evaluates the build's automation conditions (animusic_assets/automation.py): after the
collection lands, catalog -> models -> bundle -> evaluation rebuild once, as one run."""

import dagster as dg

from animusic_assets.build_selection import BUILD_SELECTION

rebuild_after_collection = dg.AutomationConditionSensorDefinition(
    "rebuild_after_collection",
    target=BUILD_SELECTION,
    default_status=dg.DefaultSensorStatus.STOPPED,
    minimum_interval_seconds=60,
    description="Rebuilds the catalog, the models and the bundle once after collected rank "
    "batches or single anime land (behind the blocking checks). Starts stopped; "
    "switch it on in the UI (Automation) to let the graph refresh itself.",
)
