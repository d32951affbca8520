"""The API's database migrations (Alembic, through ``animusic_serving.db.migrate``)."""

from __future__ import annotations

from animusic_devtools.demo.children import Child, wait_for
from animusic_devtools.demo.common import DemoError, say
from animusic_devtools.demo.context import RunContext

TIMEOUT_S = 300.0


def run(ctx: RunContext) -> None:
    say("migrating the API database")
    migrate = Child(
        "migrate",
        [str(ctx.bindir / "python"), "-m", "animusic_serving.db.migrate"],
        ctx.env,
        ctx.paths.logs,
    )
    ctx.children.append(migrate)
    if wait_for(migrate, TIMEOUT_S, ctx.stop) != 0:
        raise DemoError(f"migrations failed:\n{migrate.tail()}")
