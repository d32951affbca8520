"""Bodies of the Spotify endpoints (``routers/spotify.py``)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, model_validator


class ConnectOut(BaseModel):
    authorize_url: str


class ExportIn(BaseModel):
    source: Literal["liked", "playlist"] = "liked"
    playlist_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _playlist_named(self) -> ExportIn:
        if (self.source == "playlist") != (self.playlist_id is not None):
            raise ValueError("playlist_id is required with source 'playlist' (and only then)")
        return self


class UnmatchedOut(BaseModel):
    song_id: str
    title: str
    artists: list[str]
    confidence: float


class ExportOut(BaseModel):
    source: str
    name: str
    spotify_playlist_id: str | None
    status: str
    total: int
    matched: int
    written: int
    unmatched: list[UnmatchedOut] = []
    message: str = ""


class StatusOut(BaseModel):
    configured: bool
    connected: bool
    spotify_user_id: str | None = None
    exports: list[ExportOut] = []
