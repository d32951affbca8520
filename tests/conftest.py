"""Shared fixtures: one real PostgreSQL server per test session.

Postgres is required, never skipped: tests of the database run against the real server (no
SQLite, no mocks). ``make test`` installs PostgreSQL 15 when it is missing.
"""

from __future__ import annotations

import atexit
import re
import shutil
import socket
import tempfile
import uuid
from pathlib import Path

import pytest

from animusic_devtools import local_postgres

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server in a temp dir on a free port, stopped at the end of the session."""
    try:
        local_postgres.find_bindir()
    except local_postgres.LocalPostgresError as exc:
        pytest.fail(
            f"{exc}. The tests need a real PostgreSQL 15: run `make test`, which installs it.",
            pytrace=False,
        )
    # not pytest's tmp_path: /tmp/pytest-of-<user> is 0700, which the `postgres` user (used
    # when the tests run as root) cannot traverse; mkdtemp's 0700 is opened to 0755 here
    base = Path(tempfile.mkdtemp(prefix="animusic-pg-"))
    base.chmod(0o755)
    data_dir = base / "data"

    def cleanup() -> None:
        try:
            local_postgres.stop(data_dir)
        finally:
            shutil.rmtree(base, ignore_errors=True)

    atexit.register(cleanup)  # also when the session dies before fixture teardown
    try:
        server = local_postgres.start(
            data_dir,
            _free_port(),
            {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"},
        )
    except local_postgres.LocalPostgresError as exc:
        cleanup()
        pytest.fail(f"could not start PostgreSQL for the tests: {exc}", pytrace=False)
    try:
        yield server
    finally:
        cleanup()
        atexit.unregister(cleanup)


def fresh_database(server, label: str) -> str:
    """A new, migrated database; returns its URL."""
    from animusic_serving.db.migrate import upgrade

    name = re.sub(r"[^a-z0-9_]", "_", label.lower())[:40] + "_" + uuid.uuid4().hex[:8]
    url = server.create_database(name)
    upgrade(url)
    return url


@pytest.fixture(scope="module")
def database_url(postgres, request) -> str:
    """A fresh database per test module, migrated to the newest schema (Alembic head)."""
    return fresh_database(postgres, request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="session")
def make_database(postgres):
    """``make_database(label) -> url`` of a new database migrated to head."""
    return lambda label: fresh_database(postgres, label)
