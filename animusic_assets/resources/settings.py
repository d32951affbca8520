"""Every path and knob of the code location, read from the environment in one place.

``settings_from_env()`` is the only reader of the ``ANIMUSIC_*`` variables on the Dagster side
(docs/CONTRACTS.md lists them); everything else gets an ``AnimusicSettings`` (bound as the
``settings`` resource, so the UI shows what the location runs with) or the resources built
from it. Unset paths fall back to one root, ``ANIMUSIC_DATA_DIR`` (default ``.data``). The MAL
client id is a secret: it stays a ``dg.EnvVar``, resolved only when a run needs it.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg

from animusic_assets.sources.animethemes_client import DEFAULT_BASE as ANIMETHEMES_DEFAULT_BASE

DEFAULT_DATA_DIR = ".data"

# field -> environment variable
ENV_VARS = {
    "mode": "ANIMUSIC_MODE",
    "data_dir": "ANIMUSIC_DATA_DIR",
    "bundle_dir": "ANIMUSIC_BUNDLE_DIR",
    "cache_dir": "ANIMUSIC_CACHE_DIR",
    "models_dir": "ANIMUSIC_MODELS_DIR",
    "reports_dir": "ANIMUSIC_REPORTS_DIR",
    "user_lists": "ANIMUSIC_USER_LISTS",
    "public_lists": "ANIMUSIC_PUBLIC_LISTS",
    "database_url": "ANIMUSIC_DATABASE_URL",
    "catalog_csv": "ANIMUSIC_CATALOG_CSV",
    "top_n": "ANIMUSIC_TOP_N",
    "batch_size": "ANIMUSIC_BATCH_SIZE",
    "anidb_daily_cap": "ANIMUSIC_ANIDB_DAILY_CAP",
    "animethemes_url": "ANIMUSIC_ANIMETHEMES_URL",
    "demo_links": "ANIMUSIC_DEMO_LINKS",
    "api_url": "ANIMUSIC_API_URL",
    "prices_file": "ANIMUSIC_PRICES_FILE",
}
MAL_CLIENT_ID_VAR = "ANIMUSIC_MAL_CLIENT_ID"  # the same name the API reads


class AnimusicSettings(dg.ConfigurableResource):
    """Runtime mode, where data lives, and the collection's size and limits."""

    mode: str = "snapshot"  # snapshot | csv | live: what anime_records reads
    data_dir: str = DEFAULT_DATA_DIR
    bundle_dir: str = ""  # "" = <data_dir>/bundles
    cache_dir: str = ""  # "" = <data_dir>/cache
    models_dir: str = ""  # "" = <data_dir>/models
    reports_dir: str = ""  # "" = <data_dir>/reports
    user_lists: str = ""  # "" = synthetic users
    public_lists: str = ""  # the lists model's training lists; "" = user_lists
    database_url: str = ""  # the API database (imported lists); "" = not read
    catalog_csv: str = ""  # csv mode only
    top_n: int = 1500
    batch_size: int = 50
    anidb_daily_cap: int = 200
    animethemes_url: str = ANIMETHEMES_DEFAULT_BASE
    demo_links: str = ""  # snapshot mode: the AnimeThemes links file `make run` resolved
    api_url: str = ""  # the API whose GET /metrics the feasibility report reads
    prices_file: str = ""  # the feasibility report's price sheet; "" = config/prices.toml

    def _under_data(self, configured: str, name: str) -> Path:
        return Path(configured) if configured else Path(self.data_dir) / name

    def bundle_root(self) -> Path:
        return self._under_data(self.bundle_dir, "bundles")

    def cache_root(self) -> Path:
        return self._under_data(self.cache_dir, "cache")

    def models_root(self) -> Path:
        return self._under_data(self.models_dir, "models")

    def reports_root(self) -> Path:
        return self._under_data(self.reports_dir, "reports")

    def ingest_root(self) -> Path:
        """The live collection's store: records/, pages/, ratelimit.sqlite3."""
        return Path(self.data_dir) / "ingest"


def settings_from_env(env: Mapping[str, str] = os.environ) -> AnimusicSettings:
    """The settings from ``ANIMUSIC_*`` (unset or empty: the default); a bad number is a
    clear error naming the variable."""
    values: dict[str, Any] = {}
    for field, var in ENV_VARS.items():
        raw = env.get(var, "").strip()
        if not raw:
            continue
        if isinstance(AnimusicSettings.model_fields[field].default, int):
            try:
                values[field] = int(raw)
            except ValueError:
                raise ValueError(f"{var}={raw!r} must be a whole number") from None
        else:
            values[field] = raw
    return AnimusicSettings(**values)


def mal_client_id() -> dg.EnvVar:
    return dg.EnvVar(MAL_CLIENT_ID_VAR)
