"""The anime picker: type-ahead over the catalogue's anime titles (no network), and the
signed-in user's list: show it, add picked anime, remove one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlalchemy.orm import Session

from animusic_serving.api.anime_titles import AnimeTitles, anime_titles, search
from animusic_serving.api.auth import AUTH_RESPONSES, CurrentUser
from animusic_serving.api.deps import BundleDep, SessionDep
from animusic_serving.api.schemas import (
    AnimeAddIn,
    AnimeListEntryOut,
    AnimeListItemsOut,
    AnimeListOut,
    AnimeOut,
    AnimeSearchOut,
    CleanText,
    Username,
)
from animusic_serving.bundle import Bundle
from animusic_serving.db import queries
from animusic_serving.db.models import User

router = APIRouter(tags=["profile"])


def _anime_out(index: AnimeTitles, i: int) -> AnimeOut:
    return AnimeOut(
        anime_id=int(index.anime_id[i]),
        title=index.romaji[i],
        title_english=index.english[i],
        title_japanese=index.japanese[i],
        songs=int(index.songs[i]),
    )


@router.get("/anime/search", response_model=AnimeSearchOut, tags=["songs"])
def search_anime(
    bundle: BundleDep,
    q: Annotated[
        CleanText,
        Query(
            min_length=1, max_length=200, description="words of a romaji, English or Japanese title"
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> AnimeSearchOut:
    """Anime of the catalogue whose titles contain every word of ``q`` (case- and
    width-insensitive): titles starting with ``q`` first, then the more popular."""
    index = bundle.derived("anime_titles", anime_titles)
    return AnimeSearchOut(
        bundle_version=bundle.version, items=[_anime_out(index, i) for i in search(index, q, limit)]
    )


def _list_out(session: Session, bundle: Bundle, user: User) -> AnimeListItemsOut:
    index = bundle.derived("anime_titles", anime_titles)
    entries = []
    for mal_id in queries.get_anime_list(session, user):
        title = index.title_of(mal_id)
        entries.append(
            AnimeListEntryOut(anime_id=mal_id, title=title, in_catalog=title is not None)
        )
    entries.sort(key=lambda e: (not e.in_catalog, (e.title or "").casefold(), e.anime_id))
    return AnimeListItemsOut(anilist_username=user.username, items=entries)


@router.get("/anime_list", response_model=AnimeListItemsOut, responses=AUTH_RESPONSES)
def get_anime_list(
    principal: CurrentUser,
    session: SessionDep,
    bundle: BundleDep,
    anilist_username: Annotated[Username | None, Query()] = None,
) -> AnimeListItemsOut:
    """The user's anime list (imported, uploaded or picked), with the catalogue's titles."""
    user = queries.get_or_create_user(session, principal.resolve(anilist_username))
    principal.check(user.anilist_id)
    out = _list_out(session, bundle, user)
    session.commit()
    return out


@router.post("/anime_list", response_model=AnimeListOut, responses=AUTH_RESPONSES)
def add_anime(body: AnimeAddIn, principal: CurrentUser, session: SessionDep) -> AnimeListOut:
    """Add anime (MAL ids, e.g. picked in the page's picker) to the user's list."""
    user = queries.get_or_create_user(session, principal.resolve(body.anilist_username))
    principal.check(user.anilist_id)
    count = queries.add_to_anime_list(session, user, body.mal_ids)
    session.commit()
    return AnimeListOut(anilist_username=user.username, anime_count=count, source="picker")


@router.delete(
    "/anime_list/{mal_id}",
    response_model=AnimeListOut,
    responses={**AUTH_RESPONSES, 404: {"description": "not on the user's list"}},
)
def remove_anime(
    mal_id: Annotated[int, Path(gt=0, lt=2**31)],
    principal: CurrentUser,
    session: SessionDep,
    anilist_username: Annotated[Username | None, Query()] = None,
) -> AnimeListOut:
    """Take one anime off the user's list."""
    user = queries.get_user(session, principal.resolve(anilist_username))
    if user is not None:
        principal.check(user.anilist_id)
    if user is None or not queries.remove_from_anime_list(session, user, mal_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"anime {mal_id} is not on your list")
    count = queries.anime_list_size(session, user)
    session.commit()
    return AnimeListOut(anilist_username=user.username, anime_count=count, source="picker")
