"""Service settings from ``ANIMUSIC_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "ANIMUSIC_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", populate_by_name=True)

    database_url: str  # e.g. postgresql+psycopg2://postgres@127.0.0.1:5433/animusic
    bundle_dir: Path  # the bundle store root (CURRENT + versions/)
    bundle_poll_seconds: float = Field(default=2.0, ge=0)
    # origins allowed to call from a browser, comma-separated in the environment
    # (e.g. "chrome-extension://<id>,http://localhost:3000"); empty = no CORS headers
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # where the web page may play media from (its Content-Security-Policy media-src):
    # AnimeThemes' video and audio hosts; a local demo adds its own media server
    media_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["https://v.animethemes.moe", "https://a.animethemes.moe"]
    )

    # --- users and auth
    # dev mode (local demo only; `make run` switches it on): a plain ?anilist_username= /
    # body username is accepted without a session token. Off by default; logged at start-up.
    dev_mode: bool = False
    # HMAC key of the session tokens (>= 32 characters). Unset: a random key per process,
    # so tokens die with the process and are not shared between workers (a warning says so).
    session_secret: SecretStr | None = None
    session_ttl_seconds: int = Field(default=30 * 24 * 3600, gt=0)

    # --- the sites a list is imported from (tests point these at local stubs)
    anilist_graphql_url: str = "https://graphql.anilist.co"
    anilist_min_interval_seconds: float = Field(default=2.0, ge=0)  # AniList allows 30/min
    # requests AniList may get at once after a quiet spell (its limit is per minute)
    anilist_burst: int = Field(default=30, ge=1)
    mal_api_url: str = "https://api.myanimelist.net/v2"
    # without a client id, lists come from the site's public load.json under this root
    mal_web_url: str = "https://myanimelist.net"
    mal_client_id: SecretStr | None = None
    mal_min_interval_seconds: float = Field(default=1.0, ge=0)
    import_timeout_seconds: float = Field(default=10.0, gt=0)

    # --- Spotify export (off until SPOTIFY_CLIENT_ID and ANIMUSIC_TOKEN_KEY are set)
    spotify_client_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SPOTIFY_CLIENT_ID", "ANIMUSIC_SPOTIFY_CLIENT_ID"),
    )
    # must be registered in the Spotify app exactly (Spotify wants 127.0.0.1, not localhost)
    spotify_redirect_uri: str = "http://127.0.0.1:8000/spotify/callback"
    spotify_accounts_url: str = "https://accounts.spotify.com"
    spotify_api_url: str = "https://api.spotify.com/v1"
    spotify_min_confidence: float = Field(default=0.6, ge=0, le=1)
    spotify_max_wait_seconds: float = Field(default=30.0, ge=0)  # Retry-After waits, in all
    spotify_timeout_seconds: float = Field(default=10.0, gt=0)
    spotify_backoff_seconds: float = Field(default=0.5, ge=0)  # first retry after a 5xx
    # at most one Spotify request per interval in this process (an export searches a lot)
    spotify_min_interval_seconds: float = Field(default=0.1, ge=0)
    # Fernet key that encrypts stored third-party tokens
    token_key: SecretStr | None = None
    link_code_ttl_seconds: int = Field(default=600, gt=0)  # the Telegram link code
    # the bot that redeems link codes (@name from @BotFather); unset: no bot runs with this
    # server, so the page offers no code (the API still issues codes to clients that ask)
    telegram_bot_username: str | None = None

    # --- limits
    # per client ("N/second|minute|hour|day", ";"-separated): sign-in per client address,
    # list imports per user and per address; over the limit -> 429 with Retry-After
    sign_in_rate_limit: str = "3/minute;20/hour"
    import_rate_limit: str = "5/minute;30/hour"
    max_body_bytes: int = Field(default=1_000_000, gt=0)  # 413 above this
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=20, ge=0)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0)

    @property
    def spotify_configured(self) -> bool:
        """Spotify export is on: both its client id and the token key are set."""
        return self.spotify_client_id is not None and self.token_key is not None

    @field_validator("session_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @field_validator("token_key", "spotify_client_id", "telegram_bot_username", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # docker compose passes "" for ${VAR:-}: that means "not configured", not a bad key
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_username")
    @classmethod
    def _telegram_username(cls, value: str | None) -> str | None:
        if value is None:
            return None
        name = value.strip().removeprefix("@")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{4,31}", name):  # Telegram's rule
            raise ValueError(f"{value!r} is not a Telegram username like AnimusicBot")
        return name

    @field_validator("sign_in_rate_limit", "import_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from animusic_serving.api.rate_limits import parse_limits

        parse_limits(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str) -> str:
        if not value.startswith(("postgresql://", "postgresql+")):
            raise ValueError("must be a PostgreSQL URL (postgresql+psycopg2://user@host:port/db)")
        return value

    @field_validator("cors_origins", "media_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("media_origins")
    @classmethod
    def _plain_origins(cls, value: list[str]) -> list[str]:
        for origin in value:  # they go into a CSP header: no spaces, quotes or semicolons
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", origin):
                raise ValueError(f"{origin!r} is not an origin like https://host[:port]")
        return value


def describe_settings_error(exc: ValidationError) -> str:
    """One line naming the variables: "ANIMUSIC_DATABASE_URL is required; ..."."""
    problems = []
    for error in exc.errors():
        variable = ENV_PREFIX + str(error["loc"][0]).upper() if error["loc"] else ENV_PREFIX
        if error["type"] == "missing":
            problems.append(f"{variable} is required")
        else:
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"{variable} is invalid: {message}")
    return "; ".join(problems)
