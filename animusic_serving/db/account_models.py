"""Tables of third-party accounts: Spotify grants, song matches and exports; Telegram links.

They share ``models.Base``'s metadata; ``schema`` gathers both modules for Alembic and the
schema test. Tokens are stored only encrypted (``spotify.tokens.TokenCipher``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from animusic_serving.db.models import SONG_ID_MAX, Base


class SpotifyAccount(Base):
    """One listener's Spotify grant: encrypted access and refresh tokens and their expiry."""

    __tablename__ = "spotify_accounts"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    spotify_user_id: Mapped[str] = mapped_column(String(128))
    access_token: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet token
    refresh_token: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet token
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    scope: Mapped[str] = mapped_column(Text, server_default="")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class SpotifyAuthState(Base):
    """An authorization in flight: the OAuth ``state`` and its PKCE code verifier, kept
    server-side between the redirect to Spotify and the callback (deleted when used)."""

    __tablename__ = "spotify_auth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_verifier: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class SpotifyMatch(Base):
    """The Spotify track a song was matched to (or None: searched, nothing good enough),
    shared by every listener, so the next export does not search again."""

    __tablename__ = "spotify_matches"

    song_id: Mapped[str] = mapped_column(String(SONG_ID_MAX), primary_key=True)
    track_uri: Mapped[str | None] = mapped_column(String(128), nullable=True)
    track_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    track_artists: Mapped[str | None] = mapped_column(Text, nullable=True)
    confidence: Mapped[float] = mapped_column(Float)
    query: Mapped[str] = mapped_column(Text, server_default="")
    matched_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class SpotifyExport(Base):
    """One export target per (user, source): the Spotify playlist it fills in place and how
    far the last run got, so a failed export resumes instead of starting a new playlist."""

    __tablename__ = "spotify_exports"
    __table_args__ = (UniqueConstraint("user_id", "source"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(64))  # "liked" or "playlist:<uuid>"
    name: Mapped[str] = mapped_column(String(200))
    spotify_playlist_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # running, failed, done
    total: Mapped[int] = mapped_column(Integer, server_default="0")
    matched: Mapped[int] = mapped_column(Integer, server_default="0")
    written: Mapped[int] = mapped_column(Integer, server_default="0")
    unmatched: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class LinkCode(Base):
    """A one-time code shown on the web page that links a chat (the Telegram bot) to a user."""

    __tablename__ = "link_codes"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
