"""Liveness (the process answers) and readiness (a bundle is loaded and the database answers).

Readiness says which bundle is served and, when a newer version failed to load and the old
one is still served, ``"degraded"`` with HTTP 200 and the failed version and why
(``failed_swap``): the service works, but not on the bundle that was published."""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from animusic_serving.api.deps import BundleHolderDep
from animusic_serving.api.schemas import FailedSwapOut, ReadinessOut

log = logging.getLogger(__name__)
router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
def live() -> dict[str, str]:
    return {"status": "alive"}


@router.get(
    "/ready",
    response_model=ReadinessOut,
    responses={
        200: {
            "description": "ready, or degraded (an older bundle is served "
            "because the newest failed to load)"
        },
        503: {"model": ReadinessOut, "description": "not ready, with reasons"},
    },
)
def ready(request: Request, holder: BundleHolderDep) -> JSONResponse:
    reasons = []
    bundle = holder.get()
    if bundle is None:
        reasons.append(f"no model bundle loaded: {holder.reason}")
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError as exc:
        log.warning("readiness: database unreachable: %s", str(exc).splitlines()[0])
        database = "unavailable"
        reasons.append("database unreachable")
    failure = holder.last_failure if bundle is not None else None
    failed_swap = (
        None
        if failure is None
        else FailedSwapOut(
            version=failure.version,
            reason=failure.reason,
            at=dt.datetime.fromtimestamp(failure.at, dt.UTC),
        )
    )
    status = "not ready" if reasons else "degraded" if failed_swap else "ready"
    body = ReadinessOut(
        status=status,
        bundle_version=bundle.version if bundle else None,
        database=database,
        reasons=reasons,
        failed_swap=failed_swap,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if reasons else 200)
