"""Before anything starts: the ports are free, the venv is there, the folders exist."""

from __future__ import annotations

import sys
from pathlib import Path

from animusic_devtools.demo.common import ROOT, DemoError
from animusic_devtools.demo.context import RunContext
from animusic_devtools.demo.probes import port_free


def venv_bin() -> Path:
    """The bin folder holding dagster & co: this interpreter's, else the repo's .venv."""
    for candidate in (Path(sys.executable).parent, ROOT / ".venv" / "bin"):
        if (candidate / "dagster").exists() and (candidate / "python").exists():
            return candidate
    raise DemoError("no venv with dagster found; run `make bootstrap` first")


def run(ctx: RunContext) -> None:
    for port, what in ((ctx.args.api_port, "API"), (ctx.args.web_port, "Dagster webserver")):
        if not port_free(port):
            raise DemoError(
                f"port {port} ({what}) on 127.0.0.1 is in use; a leftover run? try `make stop`"
            )
    ctx.bindir = venv_bin()
    for folder in (ctx.paths.logs, ctx.paths.dagster_home, ctx.paths.bundles):
        folder.mkdir(parents=True, exist_ok=True)
