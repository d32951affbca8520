"""Engine and session factory for one database URL."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

# A pooled connection idle for longer than this is pinged before use (see make_engine)
PING_AFTER_IDLE_SECONDS = 1.0


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine whose pool replaces connections that died with a Postgres restart.

    SQLAlchemy's ``pool_pre_ping`` pings on EVERY checkout: one more round trip per request,
    about 5 % of a playlist's API time under load. Here only a connection that sat idle in
    the pool for over ``PING_AFTER_IDLE_SECONDS`` is pinged; one in steady use is not, and if
    the database goes away under load the failing statement's disconnect error makes
    SQLAlchemy invalidate the whole pool (that request answers 503, the next ones reconnect).
    """
    # connect_timeout bounds how long "database down" takes to say
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "checkin", _remember_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _remember_checkin(dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    checked_in_at = record.info.get("checked_in_at")  # absent: a brand-new connection
    if checked_in_at is None or time.monotonic() - checked_in_at < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    except Exception as error:
        # the pool discards this connection and checks out (or opens) another
        raise exc.DisconnectionError(f"stale pooled connection: {error}") from error


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: rows returned by a query stay readable after the commit
    return sessionmaker(bind=engine, expire_on_commit=False)
