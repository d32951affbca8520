"""Service settings from ``ANIMUSIC_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "ANIMUSIC_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    database_url: str  # e.g. postgresql+psycopg2://postgres@127.0.0.1:5433/animusic
    bundle_dir: Path  # the bundle store root (CURRENT + versions/)
    bundle_poll_seconds: float = Field(default=2.0, ge=0)
    # origins allowed to call from a browser, comma-separated in the environment
    # (e.g. "chrome-extension://<id>,http://localhost:3000"); empty = no CORS headers
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str) -> str:
        if not value.startswith(("postgresql://", "postgresql+")):
            raise ValueError("must be a PostgreSQL URL (postgresql+psycopg2://user@host:port/db)")
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
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
