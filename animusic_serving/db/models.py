"""Tables: users, their imported anime lists, and one feedback row per (user, song)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names, so migrations can refer to them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

USERNAME_MAX = 64
SONG_ID_MAX = 64
MODEL_NAME_MAX = 32


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A listener, known by their AniList username; ``anilist_id`` is set once they have
    signed in with an AniList token (``POST /auth/anilist``)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    anilist_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class AnimeListEntry(Base):
    """One anime (MAL id) on a user's imported AniList/MAL list; drives the cold start."""

    __tablename__ = "anime_list_entries"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mal_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Feedback(Base):
    """What a user did with one recommended song, merged over all their reports.

    watch_time and total_video_time keep the maximum ever reported and a like is sticky (see
    ``queries.upsert_feedback``); recommended_by keeps the model that first showed the song.
    The UNIQUE(user_id, song_id) index also serves every "feedback of this user" lookup (its
    leading column is user_id), so a separate index on user_id would only slow writes.
    """

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("user_id", "song_id"),
        CheckConstraint("watch_time >= 0", name="watch_time_non_negative"),
        CheckConstraint("total_video_time >= 0", name="total_video_time_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    song_id: Mapped[str] = mapped_column(String(SONG_ID_MAX))
    recommended_by: Mapped[str] = mapped_column(String(MODEL_NAME_MAX))
    watch_time: Mapped[float] = mapped_column(Float)
    total_video_time: Mapped[float] = mapped_column(Float)
    liked: Mapped[bool] = mapped_column(Boolean)
    # the song was opened elsewhere (a search link, where the page cannot measure listening)
    opened: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # the playlist (and slot) the song was first reported from, when the client says so
    playlist_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey("playlists.id", ondelete="SET NULL"),
        nullable=True,
        index=True,
    )
    position: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)


class Playlist(Base):
    """One served playlist: the model order drawn for it and the seed that drew it."""

    __tablename__ = "playlists"
    __table_args__ = (Index("ix_playlists_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    bundle_version: Mapped[str] = mapped_column(String(128))
    model_order: Mapped[list[str]] = mapped_column(ARRAY(String(MODEL_NAME_MAX)))
    seed: Mapped[int] = mapped_column(BigInteger)
    params: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Impression(Base):
    """One song shown to a user in one playlist slot (whether or not it was ever played)."""

    __tablename__ = "impressions"
    __table_args__ = (
        UniqueConstraint("playlist_id", "position"),
        Index("ix_impressions_user_id_song_id", "user_id", "song_id"),
        Index("ix_impressions_recommended_by_created_at", "recommended_by", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    playlist_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("playlists.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    song_id: Mapped[str] = mapped_column(String(SONG_ID_MAX))
    position: Mapped[int] = mapped_column(SmallInteger)
    recommended_by: Mapped[str] = mapped_column(String(MODEL_NAME_MAX))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
