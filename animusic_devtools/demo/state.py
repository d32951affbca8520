"""The state file of a run (its pid, its children's process groups) and `make stop`, which
ends what a previous run left behind."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

from animusic_devtools import local_postgres
from animusic_devtools.demo.context import Paths, RunContext

# what each child's command line contains, so a reused pid is never signalled
CHILD_MARKERS = {
    "api": "animusic_serving",
    "dagster_webserver": "dagster-webserver",
    "dagster_daemon": "dagster-daemon",
    "materialize": "dagster",
    "traffic": "simulate_traffic",
    "analytics": "dagster",
    "telegram_bot": "animusic_bot",
}
SUPERVISOR_MARKERS = ("run_demo.py", "animusic_devtools.demo")


def write_state(ctx: RunContext) -> None:
    ctx.paths.run_dir.mkdir(parents=True, exist_ok=True)
    ctx.paths.state_file.write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "postgres_pid": ctx.pg.pid if ctx.pg is not None else None,
                "children": {c.name: c.pgid for c in ctx.children},
            },
            indent=1,
        )
        + "\n"
    )


def cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace")


def is_supervisor(pid: int) -> bool:
    line = cmdline(pid)
    return any(marker in line for marker in SUPERVISOR_MARKERS)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def stop_leftovers(paths: Paths) -> int:
    """`make stop`: end a previous run (its supervisor, else its children), then Postgres."""
    state: dict = {}
    try:
        state = json.loads(paths.state_file.read_text())
    except (OSError, ValueError):
        pass
    pid = state.get("pid")
    if pid and pid != os.getpid() and is_supervisor(pid):
        print(f"stopping the running demo (pid {pid})")
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and cmdline(pid):
            time.sleep(0.2)
    groups = []
    for name, pgid in (state.get("children") or {}).items():
        # the group leader must still be what we started (a pid may have been reused)
        if CHILD_MARKERS.get(name, name) in cmdline(pgid):
            print(f"stopping leftover {name} (process group {pgid})")
            try:
                os.killpg(pgid, signal.SIGTERM)
                groups.append(pgid)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 15
    while groups and time.monotonic() < deadline and any(map(_group_alive, groups)):
        time.sleep(0.2)
    for pgid in filter(_group_alive, groups):
        os.killpg(pgid, signal.SIGKILL)
    try:
        stopped = local_postgres.stop(paths.pg)
    except local_postgres.LocalPostgresError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"postgres ({paths.pg}): {'stopped' if stopped else 'not running'}")
    paths.state_file.unlink(missing_ok=True)
    return 0
