"""Request and response bodies (Pydantic v2)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from animusic_serving.db.models import SONG_ID_MAX, USERNAME_MAX
from animusic_serving.recommend import PLAYLIST_MODELS

# a video may report a little more watch time than its duration (player rounding, seeking
# past the end), so allow this much before calling a report inconsistent
WATCH_TIME_SLACK_SECONDS = 5.0
# no video is longer than this (YouTube's own limit is 12 h): bounds watch_time also when the
# duration is unknown (total_video_time 0)
MAX_VIDEO_SECONDS = 24 * 3600.0
MAX_ANIME_LIST = 50_000
# AniList names are letters and digits, MyAnimeList names add "_" and "-": one pattern for the
# OpenAPI schema and the server (no stripping, so both judge the same string)
USERNAME_PATTERN = r"^[A-Za-z0-9_-]+$"
_UNENCODABLE = re.compile("[\x00\ud800-\udfff]")


def _clean_text(value: str) -> str:
    """Reject what PostgreSQL and UTF-8 cannot hold: NUL and lone surrogates."""
    bad = _UNENCODABLE.search(value)
    if bad is not None:
        what = "a NUL character" if bad.group() == "\x00" else "a lone surrogate (not Unicode)"
        raise ValueError(f"must not contain {what} (at position {bad.start()})")
    return value


CleanText = Annotated[str, AfterValidator(_clean_text)]
"""Any request string that may reach the database or a log: no NUL, no lone surrogate. Use it
for body fields and for path and query parameters alike."""

# (constraints before the text check, so that the OpenAPI schema shows them)
Username = Annotated[
    str,
    StringConstraints(min_length=1, max_length=USERNAME_MAX, pattern=USERNAME_PATTERN),
    AfterValidator(_clean_text),
]
SongId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=SONG_ID_MAX),
    AfterValidator(_clean_text),
]
Seconds = Annotated[
    float,
    Field(
        ge=0,
        le=MAX_VIDEO_SECONDS,
        allow_inf_nan=False,
        description=f"seconds, 0 to {MAX_VIDEO_SECONDS:g}",
    ),
]


def _known_model(name: str) -> str:
    if name not in PLAYLIST_MODELS:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(PLAYLIST_MODELS)}")
    return name


# the enum comes from PLAYLIST_MODELS, so a new model is one edit there
ModelName = Annotated[
    str,
    AfterValidator(_known_model),
    WithJsonSchema({"type": "string", "enum": list(PLAYLIST_MODELS)}),
]


class Link(BaseModel):
    model_config = ConfigDict(extra="allow")  # platforms may add fields (views, likes, ...)

    platform: str | None = None
    url: str | None = Field(default=None, description="the page or the video file to play")
    video_id: str | None = Field(default=None, description="YouTube video id, when known")
    audio_url: str | None = Field(default=None, description="audio-only file (AnimeThemes: ogg)")
    episodes: str | None = Field(default=None, description="episodes the version plays in")
    nsfw: bool | None = Field(default=None, description="the video shows adult content")
    spoiler: bool | None = Field(default=None, description="the video shows plot spoilers")


class PlaylistItemOut(BaseModel):
    song_id: str
    title: str
    anime_id: int
    anime_title: str
    relation: str
    artists: list[str]
    links: list[Link]
    recommended_by: str
    position: int
    explanation: str = Field(default="", description="why this song is here, in one line")
    because_song_id: str | None = Field(
        default=None, description="the song of yours it is closest to, when one explains it"
    )


Relation = Literal["opening", "ending", "insert", "image"]


class PlaylistOut(BaseModel):
    playlist_id: uuid.UUID
    bundle_version: str
    model_order: list[str] = Field(description="the shuffled order in which the models picked")
    items: list[PlaylistItemOut]


class SongOut(PlaylistItemOut):
    score: float | None = None


class SongListOut(BaseModel):
    bundle_version: str
    items: list[SongOut]


class ModelOut(BaseModel):
    name: str
    kind: str | None
    dim: int | None
    in_playlist: bool
    params: dict
    metrics: dict


class ModelsOut(BaseModel):
    bundle_version: str
    created_at: str | None
    n_songs: int
    models: list[ModelOut]


class AnimeListIn(BaseModel):
    # optional with a session token (the token says who); required in dev mode without one
    anilist_username: Username | None = None
    mal_ids: list[Annotated[int, Field(gt=0, lt=2**31)]] = Field(max_length=MAX_ANIME_LIST)


class ImportIn(BaseModel):
    username: Username | None = Field(
        default=None, description="the list's owner on that site (default: your AniList name)"
    )
    anilist_username: Username | None = None


class AnimeListOut(BaseModel):
    anilist_username: str
    anime_count: int
    source: str = "upload"


class AuthIn(BaseModel):
    # a bearer token is printable ASCII (it travels in an HTTP header to AniList)
    access_token: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=4096, pattern=r"^[!-~]+$"
        ),
        AfterValidator(_clean_text),
    ]


class AuthOut(BaseModel):
    session_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime
    anilist_username: str
    anilist_id: int


class FeedbackIn(BaseModel):
    anilist_username: Username | None = None
    song_id: SongId
    recommended_by: ModelName
    watch_time: Seconds
    total_video_time: Seconds
    liked: bool = False
    opened: bool = Field(
        default=False,
        description="the listener opened the song's link "
        "elsewhere (a search link): nothing "
        "could be measured",
    )
    playlist_id: uuid.UUID | None = None
    position: Annotated[int, Field(ge=0, lt=1000)] | None = None

    @model_validator(mode="after")
    def _consistent_times(self) -> FeedbackIn:
        if (
            self.total_video_time > 0
            and self.watch_time > self.total_video_time + WATCH_TIME_SLACK_SECONDS
        ):
            raise ValueError(
                f"watch_time ({self.watch_time:g} s) exceeds total_video_time "
                f"({self.total_video_time:g} s) by more than "
                f"{WATCH_TIME_SLACK_SECONDS:g} s"
            )
        return self


class FeedbackOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    anilist_username: str
    song_id: str
    recommended_by: str
    watch_time: float
    total_video_time: float
    liked: bool
    opened: bool = False
    created_at: dt.datetime
    updated_at: dt.datetime


class FailedSwapOut(BaseModel):
    version: str | None = Field(description="the version that failed (null: CURRENT unreadable)")
    reason: str
    at: dt.datetime


class ReadinessOut(BaseModel):
    status: Literal["ready", "degraded", "not ready"] = Field(
        description="ready; degraded = still serving bundle_version after a newer one failed "
        "to load (HTTP 200, see failed_swap); not ready = HTTP 503, see reasons"
    )
    bundle_version: str | None = Field(description="the bundle being served")
    database: str
    reasons: list[str] = Field(default_factory=list)
    failed_swap: FailedSwapOut | None = None


class AnimeOut(BaseModel):
    anime_id: int = Field(description="MyAnimeList id")
    title: str = Field(description="romaji title (or the best title known)")
    title_english: str | None = None
    title_japanese: str | None = None
    songs: int = Field(description="songs of this anime in the catalogue")


class AnimeSearchOut(BaseModel):
    bundle_version: str
    items: list[AnimeOut]


class AnimeListEntryOut(BaseModel):
    anime_id: int
    title: str | None = Field(description="None when the anime is not in the catalogue")
    in_catalog: bool


class AnimeListItemsOut(BaseModel):
    anilist_username: str
    items: list[AnimeListEntryOut]


class AnimeAddIn(BaseModel):
    anilist_username: Username | None = None
    mal_ids: list[Annotated[int, Field(gt=0, lt=2**31)]] = Field(min_length=1, max_length=500)
