"""Request dependencies: a database session and the bundle being served."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from animusic_serving.api.bundle_holder import BundleHolder
from animusic_serving.bundle import Bundle


def get_session(request: Request) -> Iterator[Session]:
    # the context manager rolls back whatever the endpoint did not commit
    with request.app.state.sessionmaker() as session:
        yield session


def get_bundle_holder(request: Request) -> BundleHolder:
    return request.app.state.bundle_holder


def get_bundle(holder: Annotated[BundleHolder, Depends(get_bundle_holder)]) -> Bundle:
    """The bundle for this whole request (a swap mid-request does not affect it)."""
    bundle = holder.get()
    if bundle is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            detail=f"no model bundle loaded: {holder.reason}")
    return bundle


SessionDep = Annotated[Session, Depends(get_session)]
BundleHolderDep = Annotated[BundleHolder, Depends(get_bundle_holder)]
BundleDep = Annotated[Bundle, Depends(get_bundle)]
