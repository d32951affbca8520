"""POST /auth/anilist: exchange an AniList access token for a session token."""

from __future__ import annotations

import datetime as dt
import re

from fastapi import APIRouter, HTTPException, Request

from animusic_serving.api.deps import SessionDep
from animusic_serving.api.rate_limits import SignInLimit
from animusic_serving.api.schemas import USERNAME_PATTERN, AuthIn, AuthOut
from animusic_serving.clients.base import SourceError
from animusic_serving.db import queries

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/anilist",
    response_model=AuthOut,
    dependencies=[SignInLimit],
    responses={
        401: {"description": "AniList rejected the token"},
        429: {"description": "too many sign-ins from this client address"},
        502: {"description": "AniList failed"},
        503: {"description": "AniList rate limit reached; retry later"},
    },
)
def auth_anilist(body: AuthIn, session: SessionDep, request: Request) -> AuthOut:
    try:
        viewer = request.app.state.anilist.viewer(body.access_token)
    except SourceError as exc:
        raise HTTPException(exc.status, detail=str(exc)) from None
    if len(viewer.name) > 64 or not re.fullmatch(USERNAME_PATTERN, viewer.name):
        raise HTTPException(502, detail="AniList returned an unusable user name")
    user = queries.set_anilist_identity(session, viewer.name, viewer.id)
    session.commit()
    token, expires = request.app.state.signer.issue(user.username, viewer.id)
    return AuthOut(
        session_token=token,
        expires_at=dt.datetime.fromtimestamp(expires, dt.UTC),
        anilist_username=user.username,
        anilist_id=viewer.id,
    )
