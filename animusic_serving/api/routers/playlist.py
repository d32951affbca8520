"""GET /playlist: one song per model for a user (an unknown user gets a cold-start playlist)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from animusic_serving.api.deps import BundleDep, SessionDep
from animusic_serving.api.schemas import PlaylistOut, Username
from animusic_serving.api.song_view import describe
from animusic_serving.db import queries
from animusic_serving.recommend import recommend

router = APIRouter(tags=["playlist"])


@router.get("/playlist", response_model=PlaylistOut)
def get_playlist(anilist_username: Annotated[Username, Query()], session: SessionDep,
                 bundle: BundleDep) -> PlaylistOut:
    # reading never creates a user: only uploads and feedback do
    user = queries.get_user(session, anilist_username)
    feedback = queries.get_feedback(session, user) if user else []
    anime_list = queries.get_anime_list(session, user) if user else []
    items = recommend(bundle, feedback, anime_list, username=anilist_username)
    return PlaylistOut(playlist_id=uuid.uuid4(), bundle_version=bundle.version,
                       items=[describe(bundle, item) for item in items])
