"""Users and sessions.

``POST /auth/anilist`` exchanges an AniList access token for a session token: the server asks
AniList who the token belongs to (the ``Viewer`` query) and signs ``{user, AniList id,
expiry}`` with HMAC-SHA256 (``ANIMUSIC_SESSION_SECRET``). Every user endpoint takes the
``CurrentUser`` dependency: ``Authorization: Bearer <session token>``, and acts on that user
only; a username in the request that names someone else is refused (403).

Dev mode (``ANIMUSIC_DEV_MODE=1``, the local demo only) also accepts a request without a
token that names its user (``anilist_username``), as the original client did.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from animusic_serving.api.settings import Settings

log = logging.getLogger(__name__)
TOKEN_VERSION = 1


class InvalidToken(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    def __init__(self, secret: str | bytes, ttl_seconds: int):
        self._key = secret.encode() if isinstance(secret, str) else secret
        self.ttl_seconds = ttl_seconds

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(
        self, username: str, anilist_id: int | None, now: float | None = None
    ) -> tuple[str, int]:
        expires = int((now if now is not None else time.time()) + self.ttl_seconds)
        payload = _b64(
            json.dumps(
                {"v": TOKEN_VERSION, "sub": username, "aid": anilist_id, "exp": expires},
                separators=(",", ":"),
            ).encode()
        )
        return f"{payload}.{self._mac(payload)}", expires

    def verify(self, token: str, now: float | None = None) -> dict:
        # a header may carry any Latin-1 character; ours are URL-safe base64 only (and
        # compare_digest refuses non-ASCII str), so anything else is simply not our token
        if not token.isascii():
            raise InvalidToken("malformed session token")
        try:
            payload, mac = token.split(".")
        except ValueError:
            raise InvalidToken("malformed session token") from None
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            raise InvalidToken("invalid session token signature")
        try:
            claims = json.loads(_unb64(payload))
        except ValueError:
            raise InvalidToken("malformed session token") from None
        if (
            not isinstance(claims, dict)
            or claims.get("v") != TOKEN_VERSION
            or not isinstance(claims.get("sub"), str)
            or not isinstance(claims.get("exp"), int)
        ):
            raise InvalidToken("malformed session token")
        if claims["exp"] < (now if now is not None else time.time()):
            raise InvalidToken("session token expired")
        return claims


def make_signer(settings: Settings) -> SessionSigner:
    secret: str | bytes
    if settings.session_secret is not None:
        secret = settings.session_secret.get_secret_value()
    else:
        secret = secrets.token_bytes(32)
        log.warning(
            "ANIMUSIC_SESSION_SECRET is not set: using a random key, so session "
            "tokens are valid in this process only and die with it"
        )
    return SessionSigner(secret, settings.session_ttl_seconds)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a verified session (``username`` set) or, in dev mode only, nobody
    yet (the request names its user)."""

    username: str | None
    anilist_id: int | None = None
    dev: bool = False

    def resolve(self, claimed: str | None) -> str:
        """The user this request acts on. ``claimed``: the username the request names."""
        if self.username is not None:
            if claimed is not None and claimed != self.username:
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, detail="this session belongs to another user"
                )
            return self.username
        if claimed is None:  # dev mode without a token
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="name the user (anilist_username) or sign in",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return claimed

    def check(self, anilist_id: int | None) -> None:
        """The stored user must still be the AniList account the session was issued to
        (a name given up and taken by someone else does not carry the old session over)."""
        if self.anilist_id is not None and anilist_id != self.anilist_id:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="session no longer valid for this user; sign in again",
                headers={"WWW-Authenticate": "Bearer"},
            )


bearer = HTTPBearer(auto_error=False, description="session token from POST /auth/anilist")


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    # async: pure CPU (an HMAC), so no thread hop
    settings = request.app.state.settings
    if credentials is None:
        if settings.dev_mode:
            return Principal(None, dev=True)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="sign in first: POST /auth/anilist, then send "
            "'Authorization: Bearer <session_token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        claims = request.app.state.signer.verify(credentials.credentials)
    except InvalidToken as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail=str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from None
    return Principal(claims["sub"], claims.get("aid"))


CurrentUser = Annotated[Principal, Depends(current_principal)]
# the OpenAPI answers of an endpoint taking CurrentUser and an optional anilist_username
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or invalid session token"},
    403: {"description": "anilist_username names another user"},
}
