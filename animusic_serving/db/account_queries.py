"""Statements for the account tables (Spotify, link codes). Callers own the transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from animusic_serving.db.account_models import (
    LinkCode,
    SpotifyAccount,
    SpotifyAuthState,
    SpotifyExport,
    SpotifyMatch,
)
from animusic_serving.db.models import Feedback, Impression, User

AUTH_STATE_TTL = dt.timedelta(minutes=15)
RUNNING_STALE_AFTER = dt.timedelta(minutes=5)  # a "running" export this quiet has died


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------- Spotify grant


def save_auth_state(session: Session, user: User, state: str, verifier: str) -> None:
    session.execute(
        delete(SpotifyAuthState).where(SpotifyAuthState.created_at < now() - AUTH_STATE_TTL)
    )
    session.add(SpotifyAuthState(state=state, user_id=user.id, code_verifier=verifier))
    session.flush()


def take_auth_state(session: Session, state: str) -> SpotifyAuthState | None:
    """The state's row, deleted (single use); None when unknown or older than 15 minutes."""
    row = session.scalars(
        delete(SpotifyAuthState).where(SpotifyAuthState.state == state).returning(SpotifyAuthState)
    ).one_or_none()
    if row is None or row.created_at < now() - AUTH_STATE_TTL:
        return None
    return row


def get_spotify_account(
    session: Session, user_id: int, for_update: bool = False
) -> SpotifyAccount | None:
    stmt = select(SpotifyAccount).where(SpotifyAccount.user_id == user_id)
    return session.scalars(stmt.with_for_update() if for_update else stmt).one_or_none()


def save_spotify_account(
    session: Session,
    user_id: int,
    spotify_user_id: str,
    access_token: bytes,
    refresh_token: bytes,
    expires_at: dt.datetime,
    scope: str,
) -> None:
    values = {
        "spotify_user_id": spotify_user_id,
        "access_token": access_token,
        "refresh_token": refresh_token,
        "expires_at": expires_at,
        "scope": scope,
        "updated_at": now(),
    }
    session.execute(
        insert(SpotifyAccount)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=[SpotifyAccount.user_id], set_=values)
    )


def delete_spotify_account(session: Session, user_id: int) -> bool:
    result = session.execute(
        delete(SpotifyAccount)
        .where(SpotifyAccount.user_id == user_id)
        .returning(SpotifyAccount.user_id)
    )
    return result.first() is not None


# --------------------------------------------------------------------------- matches, exports


def get_matches(session: Session, song_ids: Iterable[str]) -> dict[str, SpotifyMatch]:
    ids = list(song_ids)
    if not ids:
        return {}
    rows = session.scalars(select(SpotifyMatch).where(SpotifyMatch.song_id.in_(ids)))
    return {row.song_id: row for row in rows}


def save_match(
    session: Session,
    song_id: str,
    track_uri: str | None,
    track_name: str | None,
    track_artists: str | None,
    confidence: float,
    query: str,
) -> None:
    values = {
        "track_uri": track_uri,
        "track_name": track_name,
        "track_artists": track_artists,
        "confidence": confidence,
        "query": query,
        "matched_at": now(),
    }
    session.execute(
        insert(SpotifyMatch)
        .values(song_id=song_id, **values)
        .on_conflict_do_update(index_elements=[SpotifyMatch.song_id], set_=values)
    )


def get_export(session: Session, user_id: int, source: str) -> SpotifyExport | None:
    return session.scalars(
        select(SpotifyExport).where(
            SpotifyExport.user_id == user_id, SpotifyExport.source == source
        )
    ).one_or_none()


def list_exports(session: Session, user_id: int) -> list[SpotifyExport]:
    return list(
        session.scalars(
            select(SpotifyExport)
            .where(SpotifyExport.user_id == user_id)
            .order_by(SpotifyExport.updated_at.desc())
        )
    )


def start_export(
    session: Session, user_id: int, source: str, name: str, total: int
) -> SpotifyExport | None:
    """The (user, source) export row, set running. None while another run of the same
    source is still going (it moved within ``RUNNING_STALE_AFTER``): two runs must not fill
    one playlist at once. The row lock makes two simultaneous starts take turns."""
    created = (
        session.execute(
            insert(SpotifyExport)
            .values(user_id=user_id, source=source, name=name, status="running")
            .on_conflict_do_nothing(index_elements=["user_id", "source"])
            .returning(SpotifyExport.id)
        ).first()
        is not None
    )
    row = session.scalars(
        select(SpotifyExport)
        .where(SpotifyExport.user_id == user_id, SpotifyExport.source == source)
        .with_for_update()
    ).one()
    if not created and row.status == "running" and row.updated_at > now() - RUNNING_STALE_AFTER:
        return None
    row.status, row.total, row.error, row.updated_at = "running", total, None, now()
    if row.spotify_playlist_id is None:
        row.name = name  # a playlist that exists keeps its name
    session.flush()
    return row


def liked_song_ids(session: Session, user_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Feedback.song_id)
            .where(Feedback.user_id == user_id, Feedback.liked)
            .order_by(Feedback.updated_at, Feedback.id)
        )
    )


def playlist_song_ids(session: Session, user_id: int, playlist_id: uuid.UUID) -> list[str] | None:
    """The songs of one served playlist in order; None when it is not this user's."""
    rows = session.execute(
        select(Impression.song_id, Impression.user_id)
        .where(Impression.playlist_id == playlist_id)
        .order_by(Impression.position)
    ).all()
    if not rows or any(r.user_id != user_id for r in rows):
        return None
    return [r.song_id for r in rows]


# --------------------------------------------------------------------------- link codes


def create_link_code(session: Session, user_id: int, code: str, ttl: dt.timedelta) -> LinkCode:
    session.execute(delete(LinkCode).where(LinkCode.expires_at < now()))
    row = LinkCode(code=code, user_id=user_id, expires_at=now() + ttl)
    session.add(row)
    session.flush()
    return row


def redeem_link_code(session: Session, code: str) -> User | None:
    """The user the code links to; the code is used up. None: unknown or expired."""
    row = session.scalars(
        delete(LinkCode).where(LinkCode.code == code).returning(LinkCode)
    ).one_or_none()
    if row is None or row.expires_at < now():
        return None
    return session.get(User, row.user_id)
