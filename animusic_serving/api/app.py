"""The application factory: ``create_app(settings)``.

The lifespan builds the database engine and the bundle holder; routers reach them through
``deps``. The handlers in ``errors`` make sure no stack trace ever reaches a client.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from animusic_serving.api import metrics
from animusic_serving.api.auth import make_signer
from animusic_serving.api.bundle_holder import BundleHolder
from animusic_serving.api.errors import install_exception_handlers
from animusic_serving.api.limits import BodySizeLimit
from animusic_serving.api.rate_limits import ClientLimits
from animusic_serving.api.routers import (
    anime,
    auth,
    feedback,
    health,
    link,
    playlist,
    profile,
    songs,
    spotify,
    web,
)
from animusic_serving.api.settings import Settings
from animusic_serving.clients.anilist import AniListClient
from animusic_serving.clients.mal import MalClient
from animusic_serving.db.session import make_engine, make_sessionmaker

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        holder = BundleHolder(settings.bundle_dir, settings.bundle_poll_seconds)
        holder.refresh()  # load at startup, so the first request does not pay for it
        app.state.bundle_holder = holder
        if settings.dev_mode:
            log.warning(
                "DEV MODE (ANIMUSIC_DEV_MODE=1): requests may name their user without "
                "a session token; never use this outside a local demo"
            )
        try:
            yield
        finally:
            engine.dispose()
            app.state.anilist.close()
            app.state.mal.close()

    app = FastAPI(
        title="Animusic",
        version="0.1.0",
        lifespan=lifespan,
        summary="Anime-song recommendations from public metadata",
    )
    app.state.settings = settings
    app.state.signer = make_signer(settings)
    app.state.client_limits = ClientLimits(settings.sign_in_rate_limit, settings.import_rate_limit)
    app.state.anilist = AniListClient(
        settings.anilist_graphql_url,
        settings.anilist_min_interval_seconds,
        settings.import_timeout_seconds,
        burst=settings.anilist_burst,
    )
    mal_id = settings.mal_client_id.get_secret_value() if settings.mal_client_id else None
    app.state.mal = MalClient(
        settings.mal_api_url,
        mal_id,
        settings.mal_min_interval_seconds,
        settings.import_timeout_seconds,
        web_url=settings.mal_web_url,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "Authorization"],
        )
    for module in (health, auth, playlist, profile, anime, feedback, songs, spotify, link):
        app.include_router(module.router)
    app.include_router(web.router)  # GET / and /web/*: the listener's web page
    _document_body_errors(app)
    install_exception_handlers(app)
    metrics.install(app)  # GET /metrics: the service's own latency and CPU per route
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app


def _document_body_errors(app: FastAPI) -> None:
    """Every operation that reads a body can also answer 400 (the body is not JSON text,
    e.g. not UTF-8) and 413 (``BodySizeLimit``): say so in the OpenAPI schema."""
    generate = app.openapi

    def openapi() -> dict:
        cached = app.openapi_schema is not None
        schema = generate()  # cached by FastAPI after the first call; amended once
        if not cached:
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    if isinstance(operation, dict) and "requestBody" in operation:
                        responses = operation.setdefault("responses", {})
                        responses.setdefault("400", {"description": "the body is not JSON text"})
                        responses.setdefault("413", {"description": "the body is too large"})
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
