"""animusic_devtools/local_postgres.py: reuse of a running server, clear errors, stop by PID,
CLI (the module and its scripts/ entry point)."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from animusic_devtools import local_postgres as lp

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "local_postgres.py"


def test_start_on_a_running_server_returns_it(postgres):
    again = lp.start(postgres.data_dir, postgres.port)
    assert (again.pid, again.port) == (postgres.pid, postgres.port)
    assert postgres.url("x") == f"postgresql+psycopg2://postgres@127.0.0.1:{postgres.port}/x"
    assert postgres.create_database("twice") == postgres.create_database("twice")


def test_port_in_use_is_a_one_line_error_before_anything_is_created(postgres, tmp_path):
    with pytest.raises(lp.LocalPostgresError, match=f"port {postgres.port} .* already in use"):
        lp.start(tmp_path / "other", postgres.port)
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize(
    "entry",
    [[str(SCRIPT)], ["-m", "animusic_devtools.local_postgres"]],
    ids=["scripts-path", "module"],
)
def test_cli_status(postgres, entry, tmp_path):
    # the system interpreter's way (`make stop` before the venv exists): from the repo root,
    # with nothing of the venv on the path
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONNOUSERSITE": "1"}
    out = subprocess.run(
        [sys.executable, "-S", *entry, "status", "--data-dir", str(postgres.data_dir)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
        env=env,
    )
    assert out.returncode == 0 and f"pid={postgres.pid} port={postgres.port}" in out.stdout
    missing = subprocess.run(
        [sys.executable, "-S", *entry, "status", "--data-dir", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
        env=env,
    )
    assert (missing.returncode, missing.stdout.strip()) == (3, "not running")


def test_stop_then_start_reuses_the_data_dir(postgres):
    base = Path(tempfile.mkdtemp(prefix="animusic-pg-cycle-"))
    base.chmod(0o755)
    data_dir = base / "pg"
    try:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = lp.start(data_dir, port, {"fsync": "off"})
        server.create_database("kept")
        assert lp.stop(data_dir) is True
        assert lp.status(data_dir) is None and lp.stop(data_dir) is False
        again = lp.start(data_dir, server.port)  # no initdb: the data dir is reused
        assert again.pid != server.pid
        assert again.create_database("kept") == server.url("kept")
    finally:
        lp.stop(data_dir)
        shutil.rmtree(base, ignore_errors=True)
