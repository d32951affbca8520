"""Alembic environment: online migrations against ANIMUSIC_DATABASE_URL (or the config's URL).

Where the URL comes from, first match wins: ``config.attributes["database_url"]`` (set by
``animusic_serving.db.migrate``), the ``ANIMUSIC_DATABASE_URL`` variable, the ini file's
``sqlalchemy.url``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool, text

from animusic_serving.db.schema import metadata

config = context.config
target_metadata = metadata
# any constant works: it only has to be the same for every process migrating this database
MIGRATION_LOCK_KEY = 0x616E696D  # "anim"


def database_url() -> str:
    url = (
        config.attributes.get("database_url")
        or os.environ.get("ANIMUSIC_DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise RuntimeError("ANIMUSIC_DATABASE_URL is required to run migrations")
    return url


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            # two processes starting at once (API workers, make run) migrate one at a time
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
