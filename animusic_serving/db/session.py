"""Engine and session factory for one database URL."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    # pre-ping: a pooled connection that died with a Postgres restart is replaced instead of
    # failing the next request; connect_timeout bounds how long "database down" takes to say
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: rows returned by a query stay readable after the commit
    return sessionmaker(bind=engine, expire_on_commit=False)
