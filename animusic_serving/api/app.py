"""The application factory: ``create_app(settings)``.

The lifespan builds the database engine and the bundle holder; routers reach them through
``deps``. The handlers in ``errors`` make sure no stack trace ever reaches a client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from animusic_serving.api.bundle_holder import BundleHolder
from animusic_serving.api.errors import install_exception_handlers
from animusic_serving.api.routers import feedback, health, playlist, profile
from animusic_serving.api.settings import Settings
from animusic_serving.db.session import make_engine, make_sessionmaker


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        holder = BundleHolder(settings.bundle_dir, settings.bundle_poll_seconds)
        holder.refresh()  # load at startup, so the first request does not pay for it
        app.state.bundle_holder = holder
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(title="Animusic", version="0.1.0", lifespan=lifespan,
                  summary="Anime-song recommendations from public metadata")
    app.state.settings = settings
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["Content-Type"])
    for module in (health, playlist, profile, feedback):
        app.include_router(module.router)
    install_exception_handlers(app)
    return app

