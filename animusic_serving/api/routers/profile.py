"""POST /upload_anilist_profile: replace a user's imported anime list (drives the cold start)."""

from __future__ import annotations

from fastapi import APIRouter

from animusic_serving.api.deps import SessionDep
from animusic_serving.api.schemas import AnimeListIn, AnimeListOut
from animusic_serving.db import queries

router = APIRouter(tags=["profile"])


@router.post("/upload_anilist_profile", response_model=AnimeListOut)
def upload_anilist_profile(body: AnimeListIn, session: SessionDep) -> AnimeListOut:
    user = queries.get_or_create_user(session, body.anilist_username)
    count = queries.replace_anime_list(session, user, body.mal_ids)
    session.commit()
    return AnimeListOut(anilist_username=user.username, anime_count=count)
