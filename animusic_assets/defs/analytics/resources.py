"""Read-only access to the API's PostgreSQL database (feedback, playlists, impressions)."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import pandas as pd
from pydantic import PrivateAttr
from sqlalchemy import Connection, Engine, create_engine, text

IMPRESSIONS_SQL = text("""
    SELECT i.user_id, CAST(i.playlist_id AS text) AS playlist_id, i.song_id, i.position,
           i.recommended_by, i.created_at
    FROM impressions i ORDER BY i.id""")
FEEDBACK_SQL = text("""
    SELECT f.user_id, f.song_id, f.recommended_by, f.watch_time, f.total_video_time, f.liked,
           f.created_at, f.updated_at
    FROM feedback f ORDER BY f.id""")
USERS_SQL = text("SELECT u.id AS user_id, u.username FROM users u ORDER BY u.id")
SIZES_SQL = text("""
    SELECT datname AS database, pg_database_size(datname) AS bytes
    FROM pg_database WHERE NOT datistemplate AND datallowconn
      AND has_database_privilege(datname, 'CONNECT')
    ORDER BY datname""")


def _with_driver(url: str) -> str:
    # SQLAlchemy 2.1 no longer picks a driver for a bare postgresql:// URL
    if url.startswith("postgresql://"):
        return "postgresql+psycopg2://" + url[len("postgresql://") :]
    return url


class ServingDatabaseResource(dg.ConfigurableResource):
    """The API database, read in one REPEATABLE READ, READ ONLY transaction (a consistent
    snapshot; any write is refused by PostgreSQL). Plain SQL: no import of the service."""

    url: str

    _engine: Engine | None = PrivateAttr(default=None)

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(
                _with_driver(self.url), pool_pre_ping=True, connect_args={"connect_timeout": 10}
            )
        return self._engine

    @contextmanager
    def read_only(self) -> Iterator[Connection]:
        with self.engine().connect() as conn:
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            with conn.begin():
                yield conn

    def engagement_frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(impressions, feedback) from one snapshot."""
        with self.read_only() as conn:
            return pd.read_sql(IMPRESSIONS_SQL, conn), pd.read_sql(FEEDBACK_SQL, conn)

    def listener_frames(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(users, impressions, feedback) from one snapshot; users' names tell simulated
        listeners apart (``core.analytics.origin``)."""
        with self.read_only() as conn:
            return (
                pd.read_sql(USERS_SQL, conn),
                pd.read_sql(IMPRESSIONS_SQL, conn),
                pd.read_sql(FEEDBACK_SQL, conn),
            )

    def database_sizes(self) -> pd.DataFrame:
        """Size of every database on the server this URL points at (the API's and, in
        ``make run``, Dagster's)."""
        with self.read_only() as conn:
            current = conn.execute(text("SELECT current_database()")).scalar_one()
            sizes = pd.read_sql(SIZES_SQL, conn)
        sizes["role"] = ["API database" if d == current else "" for d in sizes["database"]]
        return sizes.set_index("database")

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.dispose()
