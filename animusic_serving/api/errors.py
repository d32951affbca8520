"""Exception handlers: whatever goes wrong, a client gets a short JSON body, never a trace.

* an unexpected error: ``500 {"detail": "internal error"}`` (the server logs the trace:
  Starlette re-raises it after this handler has answered);
* the database cannot be reached: ``503 {"detail": "database unavailable"}``;
* an invalid request: FastAPI's usual 422 list;
* an ``HTTPException``: its status, headers and ``{"detail": ...}``.

Every body goes through one renderer, ``error_response``, that cannot fail: an error may echo
what the client sent (a lone surrogate, a NUL, bytes that are not UTF-8, ``NaN``), and
JSON-encoding that echo must never turn a 4xx into a 500. Strings are made UTF-8-safe
(lone surrogates and undecodable bytes become backslash escapes), non-finite floats become
strings, anything else becomes its ``repr``; if even that fails the body is a fixed one.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)
_MAX_DEPTH = 20
_FALLBACK = b'{"detail":"error (details could not be rendered)"}'


def install_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(InterfaceError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)
    app.add_exception_handler(DBAPIError, _dbapi_error)
    app.add_exception_handler(Exception, _internal_error)


def error_response(
    detail: Any, status_code: int, headers: Mapping[str, str] | None = None
) -> Response:
    """``{"detail": detail}`` as JSON, whatever ``detail`` holds."""
    try:
        body = json.dumps(
            {"detail": json_safe(detail)},
            ensure_ascii=False,
            allow_nan=False,
            separators=(",", ":"),
        ).encode("utf-8")
    except Exception:  # json_safe should make this unreachable; never let it become a 500
        log.exception("could not render an error body")
        body = _FALLBACK
    return Response(
        body, status_code=status_code, headers=dict(headers or {}), media_type="application/json"
    )


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` as plain JSON types whose strings encode as UTF-8."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # JSON has no NaN / inf
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "backslashreplace")
    if depth >= _MAX_DEPTH:
        return "..."
    if isinstance(value, Mapping):
        return {safe_text(str(k)): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v, depth + 1) for v in value]
    try:
        return safe_text(repr(value))
    except Exception:
        return f"<{type(value).__name__}>"


def safe_text(text: str) -> str:
    """``text`` with lone surrogates written as ``\\udXXX`` (they cannot be UTF-8)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(list(exc.errors()), 422)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in (204, 304):  # no body allowed
        return Response(status_code=exc.status_code, headers=exc.headers)
    return error_response(exc.detail, exc.status_code, exc.headers)


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    log.error(
        "database unavailable during %s %s: %s",
        request.method,
        request.url.path,
        str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
    )
    return error_response("database unavailable", 503)


async def _dbapi_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated:  # the connection died under the statement
        return await _database_unavailable(request, exc)
    return await _internal_error(request, exc)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.error("unhandled %s during %s %s", type(exc).__name__, request.method, request.url.path)
    return error_response("internal error", 500)
