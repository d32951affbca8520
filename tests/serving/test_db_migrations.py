"""Migrations own the schema: head matches the models, and up/down/up works from any cwd."""

import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from animusic_serving.db.migrate import downgrade, upgrade
from animusic_serving.db.schema import metadata
from animusic_serving.db.session import make_engine


def test_head_matches_the_models(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def test_downgrade_then_upgrade_again(make_database):
    url = make_database("migrations_roundtrip")
    downgrade(url, "base")
    engine = make_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade(url)
        upgrade(url)  # idempotent
        assert {"users", "anime_list_entries", "feedback"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrate_module_runs_from_any_directory(postgres, tmp_path):
    url = postgres.create_database("migrate_cli")
    env = {**os.environ, "ANIMUSIC_DATABASE_URL": url}
    proc = subprocess.run(
        [sys.executable, "-m", "animusic_serving.db.migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    env.pop("ANIMUSIC_DATABASE_URL")
    proc = subprocess.run(
        [sys.executable, "-m", "animusic_serving.db.migrate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: ANIMUSIC_DATABASE_URL is required"
