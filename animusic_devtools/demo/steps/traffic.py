"""Simulated listeners through the real API (scripts/simulate_traffic.py); a failed
simulation is reported, not fatal."""

from __future__ import annotations

from animusic_devtools.demo.children import Child, wait_for
from animusic_devtools.demo.common import say
from animusic_devtools.demo.context import RunContext
from animusic_devtools.demo.state import write_state


def run(ctx: RunContext) -> None:
    seconds = ctx.args.traffic_seconds
    say(
        f"simulating listeners for {seconds:.0f}s "
        f"(log: {ctx.paths.shown(ctx.paths.logs)}/traffic.log)"
    )
    traffic = Child(
        "traffic",
        [
            str(ctx.bindir / "python"),
            "scripts/simulate_traffic.py",
            "--api",
            ctx.api_url,
            "--users",
            "20",
            "--playlists",
            "8",
            "--seconds",
            str(seconds),
        ],
        ctx.env,
        ctx.paths.logs,
    )
    ctx.children.append(traffic)
    write_state(ctx)
    if wait_for(traffic, seconds + 60, ctx.stop) != 0:
        say(f"traffic simulation failed (continuing):\n{traffic.tail(10)}")
