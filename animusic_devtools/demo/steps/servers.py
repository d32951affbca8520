"""The long-running servers: the API, the Dagster webserver and the Dagster daemon; ready when
the API's readiness probe and the webserver answer 200."""

from __future__ import annotations

import time

from animusic_devtools.demo.children import Child, check_alive
from animusic_devtools.demo.common import DemoError, say
from animusic_devtools.demo.context import RunContext
from animusic_devtools.demo.probes import http_get
from animusic_devtools.demo.state import write_state


def start(ctx: RunContext) -> None:
    say("starting the API, the Dagster webserver and the Dagster daemon")
    bindir, env, logs = ctx.bindir, ctx.env, ctx.paths.logs
    servers = [
        Child(
            "api",
            [
                str(bindir / "python"),
                "-m",
                "animusic_serving",
                "--host",
                "127.0.0.1",
                "--port",
                str(ctx.args.api_port),
            ],
            env,
            logs,
        ),
        Child(
            "dagster_webserver",
            [
                str(bindir / "dagster-webserver"),
                "-h",
                "127.0.0.1",
                "-p",
                str(ctx.args.web_port),
                "-w",
                "workspace.yaml",
            ],
            env,
            logs,
        ),
        Child(
            "dagster_daemon",
            [str(bindir / "dagster-daemon"), "run", "-w", "workspace.yaml"],
            env,
            logs,
        ),
    ]
    ctx.children.extend(servers)
    ctx.servers.extend(servers)
    write_state(ctx)
    wait_until_ready(
        ctx,
        {"api": f"{ctx.api_url}/health/ready", "dagster_webserver": f"{ctx.web_url}/server_info"},
    )


def wait_until_ready(ctx: RunContext, checks: dict[str, str]) -> None:
    ready: set[str] = set()
    deadline = time.monotonic() + ctx.args.ready_timeout
    while ready != set(checks):
        if ctx.stop.is_set():
            raise DemoError("interrupted while waiting for the servers")
        check_alive(ctx.servers)
        if time.monotonic() > deadline:
            late = set(checks) - ready
            raise DemoError(
                f"not ready after {ctx.args.ready_timeout:.0f}s: "
                f"{', '.join(sorted(late))}\n"
                + "\n".join(f"--- {c.name}\n{c.tail(20)}" for c in ctx.servers if c.name in late)
            )
        for name, url in checks.items():
            if name not in ready and http_get(url, 3)[0] == 200:
                ready.add(name)
                say(f"{name} is ready")
        time.sleep(0.5)
