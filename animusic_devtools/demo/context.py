"""What every step shares: the paths of one run, its arguments, children and environment."""

from __future__ import annotations

import argparse
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from animusic_devtools.demo.common import ROOT

if TYPE_CHECKING:
    from animusic_devtools.demo.children import Child
    from animusic_devtools.local_postgres import LocalPostgres


@dataclass(frozen=True)
class Paths:
    """Where one run keeps its state: ``.data`` of the checkout unless ``--data-dir``."""

    data: Path

    @property
    def pg(self) -> Path:
        return self.data / "pg"

    @property
    def logs(self) -> Path:
        return self.data / "logs"

    @property
    def dagster_home(self) -> Path:
        return self.data / "dagster_home"

    @property
    def bundles(self) -> Path:
        return self.data / "bundles"

    @property
    def run_dir(self) -> Path:
        return self.data / "run"

    @property
    def state_file(self) -> Path:
        """The running supervisor's pid and its children's process groups (for `make stop`)."""
        return self.run_dir / "demo.json"

    @property
    def lock_file(self) -> Path:
        return self.run_dir / "demo.lock"

    def shown(self, path: Path) -> str:
        """``path`` relative to the checkout when inside it (shorter log lines)."""
        try:
            return str(path.relative_to(ROOT))
        except ValueError:
            return str(path)


@dataclass
class RunContext:
    """One run: its arguments and what the steps have set up so far."""

    args: argparse.Namespace
    paths: Paths
    stop: threading.Event = field(default_factory=threading.Event)  # set by SIGINT/SIGTERM
    stop_signal: list[str] = field(default_factory=list)
    bindir: Path = Path()  # the venv's bin folder (dagster & co), set by the preflight step
    pg: LocalPostgres | None = None
    api_db_url: str = ""
    env: dict[str, str] = field(default_factory=dict)  # the children's environment
    children: list[Child] = field(default_factory=list)
    servers: list[Child] = field(default_factory=list)  # the long-running ones
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.args.api_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.args.web_port}"

    def stop_reason(self) -> str:
        return self.stop_signal[0] if self.stop_signal else "a stop signal"
