"""POST /feedback: merge one report (watch time, like) into the user's row for that song."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from animusic_serving.api.deps import BundleDep, SessionDep
from animusic_serving.api.schemas import FeedbackIn, FeedbackOut
from animusic_serving.db import queries

router = APIRouter(tags=["feedback"])


@router.post("/feedback", response_model=FeedbackOut,
             responses={404: {"description": "the song is not in the served catalogue"}})
def post_feedback(body: FeedbackIn, session: SessionDep, bundle: BundleDep) -> FeedbackOut:
    if bundle.row_of(body.song_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"unknown song_id {body.song_id!r} "
                                   f"(not in bundle {bundle.version})")
    user = queries.get_or_create_user(session, body.anilist_username)
    row = queries.upsert_feedback(
        session, user, song_id=body.song_id, recommended_by=body.recommended_by,
        watch_time=body.watch_time, total_video_time=body.total_video_time, liked=body.liked,
    )
    session.commit()
    return FeedbackOut(anilist_username=user.username, song_id=row.song_id,
                       recommended_by=row.recommended_by, watch_time=row.watch_time,
                       total_video_time=row.total_video_time, liked=row.liked,
                       created_at=row.created_at, updated_at=row.updated_at)
