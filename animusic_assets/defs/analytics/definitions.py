"""Analytics: the engagement, adaptation and feasibility reports, their job and the read-only
API database resource (the daily refresh is their automation condition, see sensors.py)."""

import dagster as dg

from animusic_assets.defs.analytics.adaptation import adaptation_report
from animusic_assets.defs.analytics.engagement import engagement_report
from animusic_assets.defs.analytics.feasibility import feasibility_report
from animusic_assets.defs.analytics.resources import ServingDatabaseResource

ANALYTICS = dg.AssetSelection.groups("analytics")

analytics_job = dg.define_asset_job(
    "analytics_reports",
    selection=ANALYTICS,
    description="Engagement, adaptation and feasibility reports (reads the API database "
    "read-only and this instance's run records).",
)


@dg.definitions
def analytics_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[engagement_report, adaptation_report, feasibility_report],
        jobs=[analytics_job],
        resources={"serving_db": ServingDatabaseResource(url=dg.EnvVar("ANIMUSIC_DATABASE_URL"))},
    )
