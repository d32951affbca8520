"""The statements the API runs. Callers own the transaction (they commit)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from animusic_serving.db.models import AnimeListEntry, Feedback, Playlist, User


def get_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def get_or_create_user(session: Session, username: str) -> User:
    """Race-free: concurrent first requests of one user both end up with the same row."""
    session.execute(
        insert(User)
        .values(username=username)
        .on_conflict_do_nothing(index_elements=[User.username])
    )
    return session.scalars(select(User).where(User.username == username)).one()


def replace_anime_list(session: Session, user: User, mal_ids: Iterable[int]) -> int:
    """Replace the user's whole list; duplicate ids are tolerated. Returns the list's size."""
    # lock the user's row so two uploads for one user run one after the other instead of
    # interleaving their delete and insert
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    session.execute(delete(AnimeListEntry).where(AnimeListEntry.user_id == user.id))
    unique_ids = list(dict.fromkeys(int(m) for m in mal_ids))
    if unique_ids:
        session.execute(
            insert(AnimeListEntry), [{"user_id": user.id, "mal_id": m} for m in unique_ids]
        )
    return len(unique_ids)


def add_to_anime_list(session: Session, user: User, mal_ids: Iterable[int]) -> int:
    """Add anime to the user's list (those already on it stay). Returns the list's size."""
    unique_ids = list(dict.fromkeys(int(m) for m in mal_ids))
    if unique_ids:
        session.execute(
            insert(AnimeListEntry)
            .values([{"user_id": user.id, "mal_id": m} for m in unique_ids])
            .on_conflict_do_nothing()
        )
    return anime_list_size(session, user)


def remove_from_anime_list(session: Session, user: User, mal_id: int) -> bool:
    """Take one anime off the user's list. False: it was not on it."""
    removed = session.scalars(
        delete(AnimeListEntry)
        .where(AnimeListEntry.user_id == user.id, AnimeListEntry.mal_id == mal_id)
        .returning(AnimeListEntry.mal_id)
    ).first()
    return removed is not None


def anime_list_size(session: Session, user: User) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(AnimeListEntry)
            .where(AnimeListEntry.user_id == user.id)
        )
        or 0
    )


def get_anime_list(session: Session, user: User) -> list[int]:
    return list(
        session.scalars(
            select(AnimeListEntry.mal_id)
            .where(AnimeListEntry.user_id == user.id)
            .order_by(AnimeListEntry.mal_id)
        )
    )


def upsert_feedback(
    session: Session,
    user: User,
    *,
    song_id: str,
    recommended_by: str,
    watch_time: float,
    total_video_time: float,
    liked: bool,
    playlist_id: uuid.UUID | None = None,
    position: int | None = None,
    opened: bool = False,
) -> Feedback:
    """Merge one report into the (user, song) row in ONE statement, so concurrent reports
    never lose an update: times keep their maximum, a like (and "opened") is sticky, and
    recommended_by (and the playlist context) keep what the first report said."""
    values = insert(Feedback).values(
        user_id=user.id,
        song_id=song_id,
        recommended_by=recommended_by,
        watch_time=watch_time,
        total_video_time=total_video_time,
        liked=liked,
        playlist_id=playlist_id,
        position=position,
        opened=opened,
    )
    stmt = values.on_conflict_do_update(
        index_elements=[Feedback.user_id, Feedback.song_id],
        set_={
            "watch_time": func.greatest(Feedback.watch_time, values.excluded.watch_time),
            "total_video_time": func.greatest(
                Feedback.total_video_time, values.excluded.total_video_time
            ),
            "liked": Feedback.liked | values.excluded.liked,
            "opened": Feedback.opened | values.excluded.opened,
            "playlist_id": func.coalesce(Feedback.playlist_id, values.excluded.playlist_id),
            "position": func.coalesce(Feedback.position, values.excluded.position),
            "updated_at": func.now(),
        },
    ).returning(Feedback)
    # populate_existing: the returned values win over any stale copy in the session
    return session.scalars(stmt, execution_options={"populate_existing": True}).one()


def get_feedback(session: Session, user: User) -> list[Feedback]:
    return list(
        session.scalars(select(Feedback).where(Feedback.user_id == user.id).order_by(Feedback.id))
    )


def unlike(session: Session, user: User, song_id: str) -> Feedback | None:
    """Remove the like of (user, song) — the only way a like goes away. None: no such row."""
    stmt = (
        update(Feedback)
        .where(Feedback.user_id == user.id, Feedback.song_id == song_id)
        .values(liked=False, updated_at=func.now())
        .returning(Feedback)
    )
    return session.scalars(stmt, execution_options={"populate_existing": True}).one_or_none()


def set_anilist_identity(session: Session, username: str, anilist_id: int) -> User:
    """The user signing in with AniList: found by AniList id (a renamed account keeps its
    data), else by username (claiming a row created by an earlier list upload or dev-mode
    visit). A row under this name that belongs to ANOTHER AniList account (its owner renamed
    away and someone took the name) is moved aside, never handed over."""
    session.execute(select(User.id).where(User.username == username).with_for_update())
    holder = session.scalars(select(User).where(User.username == username)).one_or_none()
    if holder is not None and holder.anilist_id not in (None, anilist_id):
        holder.username = f"~renamed#{holder.id}"
        session.flush()
    user = session.scalars(
        select(User).where(User.anilist_id == anilist_id).with_for_update()
    ).one_or_none()
    if user is not None:
        if user.username != username:
            session.execute(
                update(User)
                .where(User.username == username, User.id != user.id)
                .values(username=func.concat("~renamed#", User.id))
            )
            user.username = username
        session.flush()
        return user
    user = get_or_create_user(session, username)
    user.anilist_id = anilist_id
    session.flush()
    return user


def playlist_owner(session: Session, playlist_id: uuid.UUID) -> int | None:
    return session.scalar(select(Playlist.user_id).where(Playlist.id == playlist_id))


class FeedbackTuple(NamedTuple):  # a NamedTuple: 100 of them per playlist, built cheaply
    song_id: str
    liked: bool
    watch_time: float
    total_video_time: float


@dataclass(frozen=True)
class PlaylistInputs:
    user_id: int | None
    feedback: list[FeedbackTuple]
    anime_list: list[int]
    anilist_id: int | None = None


_PLAYLIST_INPUTS = text("""
SELECT u.id, u.anilist_id,
       f.song_ids, f.liked, f.watch_time, f.total_video_time,
       ARRAY(SELECT a.mal_id FROM anime_list_entries a WHERE a.user_id = u.id) AS anime_list
FROM users u
LEFT JOIN LATERAL (
    SELECT array_agg(song_id ORDER BY id) AS song_ids, array_agg(liked ORDER BY id) AS liked,
           array_agg(watch_time ORDER BY id) AS watch_time,
           array_agg(total_video_time ORDER BY id) AS total_video_time
    FROM feedback WHERE feedback.user_id = u.id
) f ON true
WHERE u.username = :username
""")


def playlist_inputs(session: Session, username: str) -> PlaylistInputs:
    """Everything a playlist needs about a user, in ONE round trip (both lookups use the
    (user_id, ...) unique indexes)."""
    row = session.execute(_PLAYLIST_INPUTS, {"username": username}).one_or_none()
    if row is None:
        return PlaylistInputs(None, [], [])
    user_id, anilist_id, songs, liked, watch, total, anime = row
    feedback = list(
        map(
            FeedbackTuple._make,
            zip(songs or [], liked or [], watch or [], total or [], strict=True),
        )
    )
    return PlaylistInputs(user_id, feedback, list(anime or []), anilist_id)


# SET LOCAL rides in the same round trip as the insert (psycopg2 sends both as one query)
_LOG_PLAYLIST = text("""
SET LOCAL synchronous_commit TO OFF;
WITH p AS (
    INSERT INTO playlists (id, user_id, bundle_version, model_order, seed, params)
    VALUES (CAST(:id AS uuid), :user_id, :bundle_version, CAST(:model_order AS varchar(32)[]),
            :seed, CAST(:params AS jsonb))
    RETURNING id
)
INSERT INTO impressions (playlist_id, user_id, song_id, position, recommended_by)
SELECT p.id, :user_id, x.song_id, x.position, x.recommended_by
FROM p, unnest(CAST(:song_ids AS varchar(64)[]), CAST(:positions AS smallint[]),
               CAST(:models AS varchar(32)[])) AS x(song_id, position, recommended_by)
""")


def log_playlist(
    session: Session,
    *,
    playlist_id: uuid.UUID,
    user_id: int,
    bundle_version: str,
    model_order: Sequence[str],
    seed: int,
    params: dict,
    items: Sequence[tuple[str, int, str]],
) -> None:
    """Record a served playlist and its items as impressions, in ONE statement.
    ``items``: (song_id, position, recommended_by).

    The transaction commits without waiting for the WAL flush (``synchronous_commit`` off,
    for this transaction only): impressions are analytics, and a crash may lose the last
    few hundred milliseconds of them but never corrupts anything; the listener does not wait
    for a disk flush to get a playlist. Feedback keeps full durability."""
    session.execute(
        _LOG_PLAYLIST,
        {
            "id": str(playlist_id),
            "user_id": user_id,
            "bundle_version": bundle_version,
            "model_order": list(model_order),
            "seed": seed,
            "params": json.dumps(params),
            "song_ids": [i[0] for i in items],
            "positions": [i[1] for i in items],
            "models": [i[2] for i in items],
        },
    )
