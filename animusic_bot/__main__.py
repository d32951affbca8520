"""``python -m animusic_bot``: long polling against the Telegram Bot API (or the URL in
``TELEGRAM_API_URL``), talking to the Animusic API at ``ANIMUSIC_API_URL``; with
``ANIMUSIC_BOT_WEBHOOK_URL`` set, a webhook instead (Telegram posts updates to that URL, which
must reach ``ANIMUSIC_BOT_WEBHOOK_LISTEN:PORT``; the secret token header is checked). A
missing or invalid setting is one line on stderr and exit status 2."""

from __future__ import annotations

import logging
import secrets
import sys
from urllib.parse import urlparse

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from animusic_bot.api import AnimusicApi
from animusic_bot.config import ConfigError, from_env
from animusic_bot.handlers import Bot
from animusic_bot.state import ChatStore

COMMANDS = [
    BotCommand("start", "link this chat (code from the Animusic page)"),
    BotCommand("import", "import your AniList (or: mal NAME) list"),
    BotCommand("playlist", "the next songs"),
    BotCommand("radio", "songs like one you pick"),
    BotCommand("help", "what I can do"),
]


def register(app: Application, bot: Bot) -> None:
    for name, handler in (
        ("start", bot.start),
        ("help", bot.help),
        ("import", bot.import_list),
        ("playlist", bot.playlist),
        ("radio", bot.radio),
    ):
        app.add_handler(CommandHandler(name, handler))
    app.add_handler(CallbackQueryHandler(bot.button))
    app.add_handler(MessageHandler(filters.COMMAND, bot.unknown))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, bot.chatter))

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        logging.getLogger(__name__).error("update failed: %r", context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            await bot.say(
                context,
                update.effective_chat.id,
                "Something went wrong on my side; please try again.",
            )

    app.add_error_handler(on_error)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its lines carry the bot token
    try:
        config = from_env()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    api = AnimusicApi(config)
    bot = Bot(config, api, ChatStore(config.state_file))

    async def post_init(app: Application) -> None:
        await app.bot.set_my_commands(COMMANDS)

    async def post_shutdown(app: Application) -> None:
        await api.close()

    app = (
        Application.builder()
        .token(config.token)
        .base_url(config.telegram_base_url)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    register(app, bot)
    log = logging.getLogger(__name__)
    if config.webhook_url:
        log.info(
            "webhook %s on %s:%d; API %s",
            config.webhook_url,
            config.webhook_listen,
            config.webhook_port,
            config.api_url,
        )
        app.run_webhook(
            listen=config.webhook_listen,
            port=config.webhook_port,
            url_path=urlparse(config.webhook_url).path.lstrip("/"),
            webhook_url=config.webhook_url,
            bootstrap_retries=-1,
            secret_token=config.webhook_secret or secrets.token_urlsafe(32),
        )
    else:
        log.info("polling %s for updates; API %s", config.telegram_api_url, config.api_url)
        app.run_polling(timeout=config.poll_timeout_seconds, bootstrap_retries=-1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
