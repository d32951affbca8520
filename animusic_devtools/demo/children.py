"""Child processes: each in its own session (process group), logging to <logs>/<name>.log."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from animusic_devtools.demo.common import ROOT, DemoError, say


class Child:
    """A process in its own session (process group), logging to ``<log_dir>/<name>.log``."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = self.log_path.open("wb")  # one run per log: tails stay readable
        self.log.write(f"\n===== {time.strftime('%F %T')} {' '.join(cmd)}\n".encode())
        self.log.flush()
        # close_fds (the default) matters: a child must not inherit the run lock
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pgid = self.proc.pid  # start_new_session: the child leads its own group

    def alive(self) -> bool:
        return self.proc.poll() is None

    def group_alive(self) -> bool:
        try:
            os.killpg(self.pgid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True

    def signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.pgid, sig)
        except ProcessLookupError:
            pass

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    def close(self) -> None:
        self.proc.poll()
        self.log.close()


def stop_children(children: list[Child], timeout: float = 20.0) -> None:
    """SIGTERM every group, wait, then SIGKILL whatever is left (grandchildren included)."""
    running = [c for c in children if c.group_alive()]
    for child in reversed(running):
        say(f"stopping {child.name} (process group {child.pgid})")
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(c.group_alive() for c in running):
        for c in running:
            c.proc.poll()  # reap the leader so the group can empty
        time.sleep(0.1)
    for child in running:
        if child.group_alive():
            say(f"{child.name} did not stop in {timeout:.0f}s; killing its process group")
            child.signal_group(signal.SIGKILL)
    for child in children:
        try:
            child.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        child.close()


def wait_for(child: Child, timeout: float, stop: threading.Event) -> int:
    """Wait for a one-off child; gives up on Ctrl-C/SIGTERM (``stop``) or after ``timeout``."""
    deadline = time.monotonic() + timeout
    while child.alive():
        if stop.is_set():
            raise DemoError(f"interrupted during {child.name}")
        if time.monotonic() > deadline:
            raise DemoError(f"{child.name} took longer than {timeout:.0f}s (log: {child.log_path})")
        time.sleep(0.2)
    return child.proc.returncode


def check_alive(servers: list[Child]) -> None:
    for child in servers:
        if not child.alive():
            raise DemoError(
                f"{child.name} exited early (code {child.proc.returncode}); "
                f"last lines of {child.log_path}:\n{child.tail()}"
            )
