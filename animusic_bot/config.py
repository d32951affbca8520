"""The bot's settings, from the environment (documented in docs/CONTRACTS.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class BotConfig:
    token: str
    api_url: str = "http://127.0.0.1:8000"
    telegram_api_url: str = "https://api.telegram.org"
    state_file: Path = Path(".data/bot/state.json")
    dev_mode: bool = False  # /start <username> links without a code (local demo only)
    api_timeout_seconds: float = 15.0
    retry_seconds: float = 1.0  # first backoff after an outage; doubles, 3 tries
    max_wait_seconds: float = 10.0  # the most a Retry-After is waited out
    poll_timeout_seconds: int = 10
    # webhook mode (optional): the public HTTPS URL Telegram posts updates to; the bot
    # listens on webhook_listen:webhook_port at that URL's path
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None  # sent back by Telegram in a header; random if unset

    @property
    def telegram_base_url(self) -> str:
        return self.telegram_api_url.rstrip("/") + "/bot"


def _float(env: dict[str, str], name: str, default: float) -> float:
    try:
        value = float(env.get(name, default))
    except ValueError:
        raise ConfigError(f"{name} must be a number") from None
    if value < 0:
        raise ConfigError(f"{name} must be >= 0")
    return value


def from_env(env: dict[str, str] | None = None) -> BotConfig:
    env = dict(os.environ if env is None else env)
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is required (from @BotFather)")
    return BotConfig(
        token=token,
        api_url=env.get("ANIMUSIC_API_URL", BotConfig.api_url).rstrip("/"),
        telegram_api_url=env.get("TELEGRAM_API_URL", BotConfig.telegram_api_url),
        state_file=Path(env.get("ANIMUSIC_BOT_STATE", str(BotConfig.state_file))),
        dev_mode=env.get("ANIMUSIC_BOT_DEV_MODE", "").lower() in ("1", "true", "yes"),
        api_timeout_seconds=_float(env, "ANIMUSIC_BOT_API_TIMEOUT", 15.0),
        retry_seconds=_float(env, "ANIMUSIC_BOT_RETRY_SECONDS", 1.0),
        max_wait_seconds=_float(env, "ANIMUSIC_BOT_MAX_WAIT_SECONDS", 10.0),
        poll_timeout_seconds=int(_float(env, "ANIMUSIC_BOT_POLL_TIMEOUT", 10)),
        webhook_url=env.get("ANIMUSIC_BOT_WEBHOOK_URL", "").strip() or None,
        webhook_listen=env.get("ANIMUSIC_BOT_WEBHOOK_LISTEN", "127.0.0.1"),
        webhook_port=_port(env.get("ANIMUSIC_BOT_WEBHOOK_PORT", "8443")),
        webhook_secret=env.get("ANIMUSIC_BOT_WEBHOOK_SECRET", "").strip() or None,
    )


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError("ANIMUSIC_BOT_WEBHOOK_PORT must be a port number")
    return int(value)
