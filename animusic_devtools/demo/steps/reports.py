"""The engagement and feasibility reports (asset group ``analytics``) over what the listeners
did; a failure is reported and the service keeps running."""

from __future__ import annotations

from pathlib import Path

from animusic_devtools.demo.children import wait_for
from animusic_devtools.demo.common import say
from animusic_devtools.demo.context import RunContext
from animusic_devtools.demo.steps.materialize import IN_PROCESS_RUN_CONFIG, dagster_materialize

TIMEOUT_S = 300.0


def run(ctx: RunContext) -> None:
    say("materializing the analytics reports (group analytics)")
    reports = dagster_materialize(ctx, "analytics", "group:analytics", IN_PROCESS_RUN_CONFIG)
    if wait_for(reports, TIMEOUT_S, ctx.stop) != 0:
        say(f"analytics reports failed (the service keeps running):\n{reports.tail(10)}")
        return
    root = Path(ctx.env["ANIMUSIC_REPORTS_DIR"])
    folder = root / "analytics"
    say(
        f"reports: {folder}/engagement.html and {folder}/feasibility.html; "
        f"offline evaluation: {root}/evaluation-*/"
    )
