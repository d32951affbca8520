"""Request dependencies: a database session and the bundle being served."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from animusic_serving.api.bundle_holder import BundleHolder
from animusic_serving.bundle import Bundle


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for the request. Creating one does no I/O (it connects on first use), so
    this runs on the event loop; closing goes to a worker thread only when a transaction is
    still open (its rollback talks to the database)."""
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)  # rolls back what was not committed
        else:
            session.close()


async def get_bundle_holder(request: Request) -> BundleHolder:
    # async: no I/O here, so it runs on the event loop instead of costing a thread hop
    return request.app.state.bundle_holder


async def get_bundle(holder: Annotated[BundleHolder, Depends(get_bundle_holder)]) -> Bundle:
    """The bundle for this whole request (a swap mid-request does not affect it). When a
    ``CURRENT`` check is due it runs in a worker thread (it may load a bundle); otherwise
    this is an attribute read on the event loop."""
    bundle = await run_in_threadpool(holder.get) if holder.check_due() else holder.current
    if bundle is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail=f"no model bundle loaded: {holder.reason}"
        )
    return bundle


SessionDep = Annotated[Session, Depends(get_session)]
BundleHolderDep = Annotated[BundleHolder, Depends(get_bundle_holder)]
BundleDep = Annotated[Bundle, Depends(get_bundle)]
