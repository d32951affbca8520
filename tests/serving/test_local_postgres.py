"""scripts/local_postgres.py: reuse of a running server, clear errors, stop by PID, CLI."""

import importlib.util
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "local_postgres.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("local_postgres_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


lp = _load_script()


def test_start_on_a_running_server_returns_it(postgres):
    again = lp.start(postgres.data_dir, postgres.port)
    assert (again.pid, again.port) == (postgres.pid, postgres.port)
    assert postgres.url("x") == f"postgresql+psycopg2://postgres@127.0.0.1:{postgres.port}/x"
    assert postgres.create_database("twice") == postgres.create_database("twice")


def test_port_in_use_is_a_one_line_error_before_anything_is_created(postgres, tmp_path):
    with pytest.raises(lp.LocalPostgresError, match=f"port {postgres.port} .* already in use"):
        lp.start(tmp_path / "other", postgres.port)
    assert not (tmp_path / "other").exists()


def test_cli_status(postgres):
    out = subprocess.run([sys.executable, str(SCRIPT), "status", "--data-dir",
                          str(postgres.data_dir)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and f"pid={postgres.pid} port={postgres.port}" in out.stdout


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
