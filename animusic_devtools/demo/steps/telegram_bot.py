"""The Telegram bot (``python -m animusic_bot``), only when ``TELEGRAM_BOT_TOKEN`` is set: a
client of the API, started once the API answers, watched and stopped like the servers. The API
learns the bot's name from ``ANIMUSIC_TELEGRAM_BOT_USERNAME`` (passed on by the environment
step only while the bot runs); without it the page offers no link code."""

from __future__ import annotations

import os

from animusic_devtools.demo.children import Child
from animusic_devtools.demo.common import say
from animusic_devtools.demo.context import RunContext
from animusic_devtools.demo.state import write_state


def enabled(ctx: RunContext) -> bool:
    return bool(os.environ.get("TELEGRAM_BOT_TOKEN"))


def start(ctx: RunContext) -> None:
    say("starting the Telegram bot")
    if not ctx.env.get("ANIMUSIC_TELEGRAM_BOT_USERNAME"):
        say("  ANIMUSIC_TELEGRAM_BOT_USERNAME is not set: the page offers no link code")
    env = {
        **ctx.env,
        "ANIMUSIC_API_URL": ctx.api_url,
        "ANIMUSIC_BOT_DEV_MODE": "1",
        "ANIMUSIC_BOT_STATE": str(ctx.paths.data / "bot" / "state.json"),
    }
    bot = Child(
        "telegram_bot", [str(ctx.bindir / "python"), "-m", "animusic_bot"], env, ctx.paths.logs
    )
    ctx.children.append(bot)
    ctx.servers.append(bot)
    write_state(ctx)
