"""The weekly full rebuild: the whole build from whatever the source holds now, even when no
collection landed (new code, a changed model config). Publishing stays a no-op when the
current bundle was built from the same inputs."""

import dagster as dg

from animusic_assets.defs.publish.jobs import build_and_publish_job

weekly_full_rebuild = dg.ScheduleDefinition(
    name="weekly_full_rebuild",
    job=build_and_publish_job,
    cron_schedule="0 4 * * 0",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Sundays 04:00 UTC: rebuild catalog, every model and the bundle. Starts "
    "stopped (the demo builds once at start); switch it on in the UI.",
)
