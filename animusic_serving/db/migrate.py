"""Bring a database to the newest schema: ``python -m animusic_serving.db.migrate``.

The Alembic config is built in code and points at this package's ``migrations`` folder, so
this works from any working directory and from an installed package. The URL comes from the
argument, else ``ANIMUSIC_DATABASE_URL``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
URL_VARIABLE = "ANIMUSIC_DATABASE_URL"


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # passed as an attribute, not a main option: ini options treat "%" as interpolation
    # and a URL-encoded password may contain one
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    revision = argv[0] if argv else "head"
    url = os.environ.get(URL_VARIABLE)
    if not url:
        print(f"error: {URL_VARIABLE} is required", file=sys.stderr)
        return 2
    try:
        upgrade(url, revision)
    except Exception as exc:  # one line for the operator; the cause is in the message
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: migration failed: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
