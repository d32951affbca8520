"""PostgreSQL in ``<data>/pg`` with the databases ``animusic`` (API) and ``dagster``."""

from __future__ import annotations

import sys

from animusic_devtools import local_postgres
from animusic_devtools.demo.common import DemoError, say
from animusic_devtools.demo.context import RunContext
from animusic_devtools.demo.state import write_state


def start(ctx: RunContext) -> None:
    say(f"starting PostgreSQL in {ctx.paths.shown(ctx.paths.pg)} on 127.0.0.1:{ctx.args.pg_port}")
    try:
        ctx.pg = local_postgres.start(ctx.paths.pg, ctx.args.pg_port)
        ctx.api_db_url = ctx.pg.create_database("animusic")
        ctx.pg.create_database("dagster")
    except local_postgres.LocalPostgresError as exc:
        raise DemoError(f"postgres: {exc}") from None
    write_state(ctx)


def stop(ctx: RunContext) -> None:
    """At shutdown: only the server this run started or took over (the run lock makes sure no
    other run is using it)."""
    if ctx.pg is None:
        return
    say(f"stopping PostgreSQL (pid {ctx.pg.pid})")
    try:
        local_postgres.stop(ctx.paths.pg)
    except local_postgres.LocalPostgresError as exc:
        print(f"error: {exc}", file=sys.stderr)
