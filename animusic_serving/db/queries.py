"""The statements the API runs. Callers own the transaction (they commit)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from animusic_serving.db.models import AnimeListEntry, Feedback, User


def get_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def get_or_create_user(session: Session, username: str) -> User:
    """Race-free: concurrent first requests of one user both end up with the same row."""
    session.execute(insert(User).values(username=username)
                    .on_conflict_do_nothing(index_elements=[User.username]))
    return session.scalars(select(User).where(User.username == username)).one()


def replace_anime_list(session: Session, user: User, mal_ids: Iterable[int]) -> int:
    """Replace the user's whole list; duplicate ids are tolerated. Returns the list's size."""
    # lock the user's row so two uploads for one user run one after the other instead of
    # interleaving their delete and insert
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    session.execute(delete(AnimeListEntry).where(AnimeListEntry.user_id == user.id))
    unique_ids = list(dict.fromkeys(int(m) for m in mal_ids))
    if unique_ids:
        session.execute(insert(AnimeListEntry),
                        [{"user_id": user.id, "mal_id": m} for m in unique_ids])
    return len(unique_ids)


def get_anime_list(session: Session, user: User) -> list[int]:
    return list(session.scalars(select(AnimeListEntry.mal_id)
                                .where(AnimeListEntry.user_id == user.id)
                                .order_by(AnimeListEntry.mal_id)))


def upsert_feedback(session: Session, user: User, *, song_id: str, recommended_by: str,
                    watch_time: float, total_video_time: float, liked: bool) -> Feedback:
    """Merge one report into the (user, song) row in ONE statement, so concurrent reports
    never lose an update: times keep their maximum, a like is sticky, and recommended_by
    keeps the model that showed the song first."""
    stmt = insert(Feedback).values(
        user_id=user.id, song_id=song_id, recommended_by=recommended_by,
        watch_time=watch_time, total_video_time=total_video_time, liked=liked,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[Feedback.user_id, Feedback.song_id],
        set_={
            "watch_time": func.greatest(Feedback.watch_time, stmt.excluded.watch_time),
            "total_video_time": func.greatest(Feedback.total_video_time,
                                              stmt.excluded.total_video_time),
            "liked": Feedback.liked | stmt.excluded.liked,
            "updated_at": func.now(),
        },
    ).returning(Feedback)
    # populate_existing: the returned values win over any stale copy in the session
    return session.scalars(stmt, execution_options={"populate_existing": True}).one()


def get_feedback(session: Session, user: User) -> list[Feedback]:
    return list(session.scalars(select(Feedback).where(Feedback.user_id == user.id)
                                .order_by(Feedback.id)))
