"""The engagement, adaptation and feasibility reports (asset group ``analytics``) over what
the listeners did; a failure is reported and the service keeps running. Prints the links of
every report, the offline evaluation's included."""

from __future__ import annotations

from pathlib import Path

from animusic_devtools.demo.children import wait_for
from animusic_devtools.demo.common import say
from animusic_devtools.demo.context import RunContext
from animusic_devtools.demo.steps.materialize import IN_PROCESS_RUN_CONFIG, dagster_materialize

TIMEOUT_S = 300.0


def run(ctx: RunContext) -> None:
    say("materializing the analytics reports (group analytics)")
    # the feasibility report reads the service's own latency and CPU from GET /metrics
    ctx.env.setdefault("ANIMUSIC_API_URL", ctx.api_url)
    reports = dagster_materialize(ctx, "analytics", "group:analytics", IN_PROCESS_RUN_CONFIG)
    if wait_for(reports, TIMEOUT_S, ctx.stop) != 0:
        say(f"analytics reports failed (the service keeps running):\n{reports.tail(10)}")
        return
    root = Path(ctx.env["ANIMUSIC_REPORTS_DIR"]).resolve()
    pages = [
        root / "analytics" / f"{name}.html" for name in ("engagement", "adaptation", "feasibility")
    ]
    pages.append(root / "evaluation.html")
    print(
        "\n  Reports (open in a browser; also each asset's metadata in the Dagster UI):\n"
        + "\n".join(f"    {p.as_uri()}" for p in pages if p.is_file())
        + "\n",
        flush=True,
    )
