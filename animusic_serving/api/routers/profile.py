"""The user's anime list (drives the cold start): uploaded, or imported from AniList / MAL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy.orm import Session

from animusic_serving.api.auth import CurrentUser, Principal
from animusic_serving.api.deps import SessionDep
from animusic_serving.api.rate_limits import ImportingUser
from animusic_serving.api.schemas import AnimeListIn, AnimeListOut, ImportIn
from animusic_serving.clients.base import SourceError
from animusic_serving.db import queries

router = APIRouter(tags=["profile"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or invalid session token"},
    403: {"description": "the body names another user"},
}
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **RESPONSES,
    404: {"description": "no such user on that site"},
    429: {"description": "too many imports by this user or address"},
    502: {"description": "the site failed"},
    503: {"description": "rate-limited or not configured"},
}


def _replace(
    session: Session, principal: Principal, username: str, mal_ids: list[int], source: str
) -> AnimeListOut:
    user = queries.get_or_create_user(session, username)
    principal.check(user.anilist_id)
    count = queries.replace_anime_list(session, user, mal_ids)
    session.commit()
    return AnimeListOut(anilist_username=user.username, anime_count=count, source=source)


@router.post("/upload_anilist_profile", response_model=AnimeListOut, responses=RESPONSES)
def upload_anilist_profile(
    body: AnimeListIn, principal: CurrentUser, session: SessionDep
) -> AnimeListOut:
    """Replace the user's whole list (duplicates tolerated)."""
    return _replace(
        session, principal, principal.resolve(body.anilist_username), body.mal_ids, "upload"
    )


def _fetch(fetch: Callable[[str], list[int]], username: str) -> list[int]:
    try:
        return fetch(username)
    except SourceError as exc:
        raise HTTPException(exc.status, detail=str(exc)) from None


@router.post("/import/anilist", response_model=AnimeListOut, responses=IMPORT_RESPONSES)
def import_anilist(
    body: ImportIn, principal: ImportingUser, session: SessionDep, request: Request
) -> AnimeListOut:
    """Replace the user's list with their public AniList anime list (MAL ids)."""
    username = principal.resolve(body.anilist_username)
    ids = _fetch(request.app.state.anilist.anime_list, body.username or username)
    return _replace(session, principal, username, ids, "anilist")


@router.post("/import/mal", response_model=AnimeListOut, responses=IMPORT_RESPONSES)
def import_mal(
    body: ImportIn, principal: ImportingUser, session: SessionDep, request: Request
) -> AnimeListOut:
    """Replace the user's list with a public MyAnimeList anime list."""
    username = principal.resolve(body.anilist_username)
    ids = _fetch(request.app.state.mal.anime_list, body.username or username)
    return _replace(session, principal, username, ids, "mal")
