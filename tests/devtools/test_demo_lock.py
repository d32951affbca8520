"""One `make run` per checkout (issue 15, defect 10): a second run refuses in one line and
leaves the first run's PostgreSQL alone; a dead run leaves no stale lock."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from animusic_devtools import local_postgres
from animusic_devtools.demo.context import Paths
from animusic_devtools.demo.lock import AlreadyRunning, RunLock

REPO = Path(__file__).resolve().parents[2]
HOLD = """
import sys, time
from pathlib import Path
from animusic_devtools.demo.lock import RunLock
RunLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
time.sleep(120)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # not tmp_path: as root the `postgres` user must be able to traverse to <data>/pg
    base = Path(tempfile.mkdtemp(prefix="animusic-demo-lock-"))
    base.chmod(0o755)
    try:
        yield base / "data"
    finally:
        local_postgres.stop(base / "data" / "pg")
        shutil.rmtree(base, ignore_errors=True)


def _hold_lock(lock_file: Path) -> subprocess.Popen:
    """A stand-in for the first run: another process holding the lock, as the supervisor does."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock_file)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_lock_names_its_holder_and_dies_with_it(tmp_path):
    lock_file = tmp_path / "run" / "demo.lock"
    holder = _hold_lock(lock_file)
    try:
        with pytest.raises(AlreadyRunning) as refused:
            RunLock(lock_file).acquire()
        assert refused.value.pid == holder.pid
        assert str(refused.value) == (f"already running: pid {holder.pid}, stop it with make stop")
    finally:
        holder.send_signal(signal.SIGKILL)  # dies without any cleanup of its own
        holder.wait(timeout=10)
    with RunLock(lock_file):  # the kernel dropped the dead holder's lock
        assert lock_file.read_text().strip() == str(os.getpid())
    with RunLock(lock_file):  # and released again on exit
        pass


def test_second_run_refuses_and_keeps_the_first_runs_postgres(data_dir):
    paths = Paths(data_dir)
    first_pg = local_postgres.start(paths.pg, _free_port(), {"fsync": "off"})
    holder = _hold_lock(paths.lock_file)
    try:
        second = subprocess.run(
            [
                sys.executable,
                "scripts/run_demo.py",
                "--smoke",
                "--data-dir",
                str(data_dir),
                "--pg-port",
                str(first_pg.port),
                "--api-port",
                str(_free_port()),
                "--web-port",
                str(_free_port()),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert second.stdout == ""
        assert second.stderr == f"already running: pid {holder.pid}, stop it with make stop\n"
        still = local_postgres.status(paths.pg)
        assert still is not None and still.pid == first_pg.pid
        assert not paths.logs.exists()  # it started nothing at all
    finally:
        holder.kill()
        holder.wait(timeout=10)
