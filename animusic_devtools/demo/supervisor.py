"""The run, step by step: the sequence is ``STARTUP``, then ``smoke`` or ``AFTER_READY`` and
serving until Ctrl-C/SIGTERM; ``shutdown`` always runs. Each step is a module in ``steps/``.

    python scripts/run_demo.py            # run until Ctrl-C          (make run)
    python scripts/run_demo.py --smoke    # start, fetch one playlist (>= 3 items), stop
    python scripts/run_demo.py --stop     # stop what a previous run left behind (make stop)

An optional step is a ``Step`` with an ``enabled`` predicate (e.g. "an environment variable is
set") placed where the comments in ``STARTUP`` say; a long-running one adds its ``Child`` to
``ctx.servers`` so it is watched and stopped with the others.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from animusic_devtools.demo.children import check_alive, stop_children
from animusic_devtools.demo.common import ROOT, T0, DemoError, say
from animusic_devtools.demo.context import Paths, RunContext
from animusic_devtools.demo.lock import AlreadyRunning, RunLock
from animusic_devtools.demo.state import stop_leftovers
from animusic_devtools.demo.steps import (
    Step,
    demo_links,
    environment,
    materialize,
    migrate,
    postgres,
    preflight,
    reports,
    servers,
    smoke,
    telegram_bot,
    traffic,
)


def _traffic_on(ctx: RunContext) -> bool:
    return not ctx.args.no_traffic


STARTUP: tuple[Step, ...] = (
    Step("preflight", preflight.run),
    Step("postgres", postgres.start),
    Step("environment", environment.prepare),
    Step("migrate", migrate.run),
    # optional steps that prepare the demo's data go here, before the build
    Step(
        "demo_links",
        demo_links.run,
        enabled=demo_links.enabled,
        skipped="snapshot mode only, and not with --skip-materialize",
    ),
    Step(
        "materialize",
        materialize.run,
        enabled=lambda ctx: not ctx.args.skip_materialize,
        skipped="--skip-materialize: serving the bundle already there",
    ),
    Step("servers", servers.start),
    # optional extra services go here, once the API answers
    Step(
        "telegram_bot",
        telegram_bot.start,
        enabled=telegram_bot.enabled,
        skipped="TELEGRAM_BOT_TOKEN is not set",
    ),
)
AFTER_READY: tuple[Step, ...] = (
    Step("traffic", traffic.run, enabled=_traffic_on, skipped="--no-traffic"),
    Step("reports", reports.run, enabled=_traffic_on, skipped="--no-traffic"),
)


def run_steps(ctx: RunContext, steps: Iterable[Step]) -> None:
    for step in steps:
        if ctx.stop.is_set():
            raise DemoError(f"interrupted before {step.name}")
        if not step.enabled(ctx):
            say(f"skipping {step.name} ({step.skipped})")
            continue
        started = time.monotonic()
        step.run(ctx)
        ctx.timings[step.name] = time.monotonic() - started


def print_banner(ctx: RunContext) -> None:
    parts = ", ".join(f"{name} {s:.1f}s" for name, s in ctx.timings.items() if s >= 0.05)
    print(
        f"""
  Animusic is up after {time.monotonic() - T0:.1f}s ({parts})
    web page           {ctx.api_url}/   (continue as "demo", pick a few anime, get a playlist)
    API                {ctx.api_url}   (docs: {ctx.api_url}/docs)
    Dagster webserver  {ctx.web_url}   (asset lineage, automation: stopped until switched on)
    logs               {ctx.paths.shown(ctx.paths.logs)}/<name>.log

  Try:
    curl '{ctx.api_url}/playlist?anilist_username=demo'
""",
        flush=True,
    )


def serve_until_stopped(ctx: RunContext) -> None:
    print("  Ctrl-C stops everything.\n", flush=True)
    while not ctx.stop.is_set():
        check_alive(ctx.servers)
        ctx.stop.wait(0.5)


def shutdown(ctx: RunContext) -> None:
    # a second Ctrl-C must not cut the shutdown short
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stop_children(ctx.children)
    postgres.stop(ctx)
    ctx.paths.state_file.unlink(missing_ok=True)
    say("stopped")


def run(ctx: RunContext) -> int:
    try:
        run_steps(ctx, STARTUP)
        print_banner(ctx)
        if ctx.args.smoke:
            smoke.run(ctx)
            say(f"smoke test passed; total {time.monotonic() - T0:.1f}s")
            return 0
        run_steps(ctx, AFTER_READY)
        serve_until_stopped(ctx)
        say(f"received {ctx.stop_reason()}; shutting down")
        return 0
    except DemoError as exc:
        if ctx.stop.is_set():
            say(f"received {ctx.stop_reason()}; shutting down")
            return 0
        print(f"\nerror: {exc}\n", file=sys.stderr, flush=True)
        return 1
    finally:
        shutdown(ctx)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="run_demo.py", description="make run: the whole system on 127.0.0.1"
    )
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="start everything, fetch one playlist (>= 3 items), stop",
    )
    ap.add_argument("--stop", action="store_true", help="stop what a previous run left behind")
    ap.add_argument(
        "--no-traffic",
        action="store_true",
        help="skip the simulated listeners and the analytics reports",
    )
    ap.add_argument("--traffic-seconds", type=float, default=10.0)
    ap.add_argument(
        "--skip-materialize",
        action="store_true",
        help="serve the bundle already in <data dir>/bundles",
    )
    ap.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / ".data",
        help="Postgres data, Dagster home, bundles, logs (default: .data)",
    )
    ap.add_argument("--pg-port", type=int, default=5433)
    ap.add_argument("--api-port", type=int, default=8000)
    ap.add_argument("--web-port", type=int, default=3000)
    ap.add_argument("--ready-timeout", type=float, default=300.0)
    ap.add_argument("--materialize-timeout", type=float, default=1800.0)
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    paths = Paths(args.data_dir.absolute())
    if args.stop:
        return stop_leftovers(paths)
    lock = RunLock(paths.lock_file)
    try:
        lock.acquire()
    except AlreadyRunning as exc:  # before anything is started: the other run is untouched
        print(exc, file=sys.stderr, flush=True)
        return 1
    try:
        ctx = RunContext(args=args, paths=paths)

        def on_signal(signum: int, _frame: object) -> None:
            ctx.stop_signal.append(signal.Signals(signum).name)
            ctx.stop.set()

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        return run(ctx)
    finally:
        lock.release()
