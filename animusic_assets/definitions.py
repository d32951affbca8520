"""The Dagster code location: assembles Definitions, nothing else."""

from __future__ import annotations

import os

import dagster as dg

from animusic_assets.defs.analytics.definitions import analytics_definitions
from animusic_assets.defs.catalog import assets as catalog_assets, checks as catalog_checks
from animusic_assets.defs.evaluation import assets as evaluation_assets
from animusic_assets.defs.ingest.definitions import ingest_definitions, live_anime_source
from animusic_assets.defs.ingest import assets as ingest_assets
from animusic_assets.defs.models import (
    checks as model_checks,
    documents,
    lists,
    lists_checks,
    node2vec,
    popularity,
    tfidf,
    transformers,
)
from animusic_assets.defs.publish import assets as publish_assets, checks as publish_checks
from animusic_assets.resources.anime_lists import AnimeListsResource
from animusic_assets.resources.embedder import EmbeddingCacheResource
from animusic_assets.resources import (
    AnimusicCsvSource,
    BundleStoreResource,
    DemoSnapshotSource,
    UserListsResource,
)

_ASSET_MODULES = [ingest_assets, catalog_assets, documents, tfidf, popularity, node2vec, transformers,
                  lists, publish_assets,
                  evaluation_assets]
_CHECK_MODULES = [catalog_checks, model_checks, lists_checks, publish_checks]


def anime_source_for_mode(mode: str, env=os.environ):
    """``snapshot``: the embedded demo; ``csv``: the Animusic CSV at ANIMUSIC_CATALOG_CSV;
    ``live``: what the partitioned collection assets stored (defs/ingest)."""
    if mode == "snapshot":
        return DemoSnapshotSource()
    if mode == "csv":
        if not env.get("ANIMUSIC_CATALOG_CSV"):
            raise ValueError("ANIMUSIC_MODE=csv needs ANIMUSIC_CATALOG_CSV (path to the CSV)")
        return AnimusicCsvSource(path=env["ANIMUSIC_CATALOG_CSV"])
    if mode == "live":
        return live_anime_source(env)
    raise ValueError(f"ANIMUSIC_MODE={mode!r} is not supported (expected 'snapshot', 'csv' or 'live')")


all_assets = dg.load_assets_from_modules(_ASSET_MODULES)
all_checks = dg.load_asset_checks_from_modules(_CHECK_MODULES)

build_and_publish_job = dg.define_asset_job(
    "build_and_publish", selection=dg.AssetSelection.all() - dg.AssetSelection.groups("analytics"),
    description="Ingest, clean, train every model and publish a new bundle.",
)

def extra_resources() -> dict:
    """Resources every mode shares besides the anime source, bundle store and user lists."""
    return {"embedding_cache": EmbeddingCacheResource(),  # $ANIMUSIC_CACHE_DIR, else .data/cache
            "anime_lists_source": anime_lists_source()}


def anime_lists_source(env=os.environ) -> AnimeListsResource:
    """The lists model's training lists: $ANIMUSIC_PUBLIC_LISTS (else the evaluation's
    $ANIMUSIC_USER_LISTS; the evaluation users' held-out anime are dropped from training) and
    the API database's imported lists ($ANIMUSIC_DATABASE_URL, read-only)."""
    return AnimeListsResource(
        public_lists_path=env.get("ANIMUSIC_PUBLIC_LISTS") or env.get("ANIMUSIC_USER_LISTS", ""),
        database_url=env.get("ANIMUSIC_DATABASE_URL", ""))


defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[build_and_publish_job],
    resources={
        "anime_source": anime_source_for_mode(os.environ.get("ANIMUSIC_MODE", "snapshot")),
        "bundle_store": BundleStoreResource(root=dg.EnvVar("ANIMUSIC_BUNDLE_DIR")),
        # real lists when the file is there (../shared in development), synthetic users otherwise
        "user_lists": UserListsResource(path=os.environ.get("ANIMUSIC_USER_LISTS", "")),
        **extra_resources(),
    },
)
# live mode adds the partitioned collection assets, their jobs and schedules
defs = dg.Definitions.merge(defs, ingest_definitions(os.environ.get("ANIMUSIC_MODE", "snapshot")))
# engagement and feasibility reports over the API database and Dagster's own records
defs = dg.Definitions.merge(defs, analytics_definitions())
