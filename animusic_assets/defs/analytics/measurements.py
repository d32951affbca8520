"""What the feasibility report measures outside Dagster's records: the API's own metrics
(``GET /metrics``) and the sizes of artifacts and databases."""

from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from animusic_assets.core.analytics import feasibility
from animusic_assets.defs.analytics.common import reports_dir
from animusic_assets.defs.analytics.resources import ServingDatabaseResource
from animusic_assets.resources.settings import settings_from_env


def gb(n: int | None) -> float:
    return (n or 0) / 1e9


def service_metrics(api_url: str) -> tuple[dict | None, str]:
    """The API's own ``GET /metrics`` snapshot, or None and why not."""
    url = (api_url or settings_from_env().api_url).rstrip("/")
    if not url:
        return None, (
            "serving not measured: no API address (asset setting api_url or ANIMUSIC_API_URL)"
        )
    try:
        response = httpx.get(f"{url}/metrics", timeout=5)
        response.raise_for_status()
        snapshot = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return None, f"serving not measured: {url}/metrics unavailable ({type(exc).__name__})"
    return snapshot, (
        f"measured by the service itself ({url}/metrics, worker pid "
        f"{snapshot.get('pid')}, up {snapshot.get('uptime_s', 0):.0f} s)"
    )


def sizes(
    config: Any, serving_db: ServingDatabaseResource, log: Any
) -> tuple[Path, pd.DataFrame, pd.DataFrame, str]:
    """(ingest dir, artifact sizes, database sizes, a note on the databases)."""
    settings = settings_from_env()
    ingest_dir = Path(config.ingest_dir) if config.ingest_dir else settings.ingest_root()
    paths = {
        "bundle store (ANIMUSIC_BUNDLE_DIR)": str(settings.bundle_root()),
        "embedding cache (ANIMUSIC_CACHE_DIR)": str(settings.cache_root()),
        "transformer weights (ANIMUSIC_MODELS_DIR)": str(settings.models_root()),
        "live ingest state": str(ingest_dir),
        "reports": str(reports_dir(config.reports_dir).parent),
    }
    artifacts = pd.DataFrame(
        [
            {
                "artifact": k,
                "path": v or "(not set)",
                "bytes": feasibility.dir_size(v) if v else None,
            }
            for k, v in paths.items()
        ]
    ).set_index("artifact")
    artifacts["bytes"] = artifacts["bytes"].astype("Int64")
    artifacts["MB"] = (artifacts["bytes"].astype(float) / 1e6).round(2)
    try:
        databases = serving_db.database_sizes()
        databases["MB"] = (databases["bytes"] / 1e6).round(2)
        db_note = f"{len(databases)} databases on the API's PostgreSQL server"
    except Exception as exc:  # the report still answers the rest
        databases = pd.DataFrame(columns=["bytes", "role", "MB"])
        db_note = f"database sizes unavailable: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        log.warning(db_note)
    return ingest_dir, artifacts, databases, db_note
