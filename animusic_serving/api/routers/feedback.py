"""POST /feedback: merge one report (watch time, like) into the user's row for that song;
DELETE /feedback/{song_id}/like: the only way to take a like back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status

from animusic_serving.api.auth import CurrentUser
from animusic_serving.api.deps import BundleDep, SessionDep
from animusic_serving.api.schemas import CleanText, FeedbackIn, FeedbackOut, Username
from animusic_serving.db import queries
from animusic_serving.db.models import SONG_ID_MAX, Feedback

router = APIRouter(tags=["feedback"])
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or invalid session token"},
    403: {"description": "the body names another user"},
}


def _out(username: str, row: Feedback) -> FeedbackOut:
    return FeedbackOut(
        anilist_username=username,
        song_id=row.song_id,
        recommended_by=row.recommended_by,
        watch_time=row.watch_time,
        total_video_time=row.total_video_time,
        liked=row.liked,
        opened=row.opened,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.post(
    "/feedback",
    response_model=FeedbackOut,
    responses={**AUTH_RESPONSES, 404: {"description": "unknown song, or a playlist_id not yours"}},
)
def post_feedback(
    body: FeedbackIn, principal: CurrentUser, session: SessionDep, bundle: BundleDep
) -> FeedbackOut:
    username = principal.resolve(body.anilist_username)
    if bundle.row_of(body.song_id) is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"unknown song_id {body.song_id!r} (not in bundle {bundle.version})",
        )
    user = queries.get_or_create_user(session, username)
    principal.check(user.anilist_id)
    if (
        body.playlist_id is not None
        and queries.playlist_owner(session, body.playlist_id) != user.id
    ):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"unknown playlist_id {body.playlist_id}"
        )
    row = queries.upsert_feedback(
        session,
        user,
        song_id=body.song_id,
        recommended_by=body.recommended_by,
        watch_time=body.watch_time,
        total_video_time=body.total_video_time,
        liked=body.liked,
        playlist_id=body.playlist_id,
        position=body.position,
        opened=body.opened,
    )
    session.commit()
    return _out(user.username, row)


@router.delete(
    "/feedback/{song_id}/like",
    response_model=FeedbackOut,
    responses={**AUTH_RESPONSES, 404: {"description": "no feedback for this song"}},
)
def unlike(
    song_id: Annotated[CleanText, Path(min_length=1, max_length=SONG_ID_MAX)],
    principal: CurrentUser,
    session: SessionDep,
    anilist_username: Annotated[Username | None, Query()] = None,
) -> FeedbackOut:
    username = principal.resolve(anilist_username)
    user = queries.get_user(session, username)
    if user is not None:
        principal.check(user.anilist_id)
    row = queries.unlike(session, user, song_id) if user is not None else None
    if user is None or row is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"no feedback for song_id {song_id!r}"
        )
    session.commit()
    return _out(user.username, row)
