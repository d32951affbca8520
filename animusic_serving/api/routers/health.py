"""Liveness (the process answers) and readiness (a bundle is loaded and the database answers)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from animusic_serving.api.deps import BundleHolderDep
from animusic_serving.api.schemas import ReadinessOut

log = logging.getLogger(__name__)
router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
def live() -> dict[str, str]:
    return {"status": "alive"}


@router.get("/ready", response_model=ReadinessOut,
            responses={503: {"model": ReadinessOut, "description": "not ready, with reasons"}})
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
    body = ReadinessOut(status="not ready" if reasons else "ready",
                        bundle_version=bundle.version if bundle else None,
                        database=database, reasons=reasons)
    return JSONResponse(body.model_dump(), status_code=503 if reasons else 200)
