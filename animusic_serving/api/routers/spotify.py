"""Export to Spotify: connect (authorization code with PKCE), export, disconnect.

``POST /spotify/connect`` answers the Spotify authorize URL for the signed-in listener (the
PKCE verifier and ``state`` stay in the database); Spotify sends the browser back to
``GET /spotify/callback``, which trades the code for tokens, stores them encrypted and
redirects to the page. ``POST /spotify/export`` exports liked songs or one served playlist;
``DELETE /spotify/connection`` forgets the tokens. Every Spotify failure is one line
(``SpotifyError``): 409 connect (again), 503 Spotify unreachable or rate-limiting, 502 it
refused.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse

from animusic_serving.api.auth import AUTH_RESPONSES, CurrentUser
from animusic_serving.api.deps import BundleDep, SessionDep
from animusic_serving.api.schemas import CleanText, Username
from animusic_serving.api.settings import Settings
from animusic_serving.api.song_view import _sequence, _text
from animusic_serving.api.spotify_schemas import (
    ConnectOut,
    ExportIn,
    ExportOut,
    StatusOut,
    UnmatchedOut,
)
from animusic_serving.bundle import Bundle
from animusic_serving.db import account_queries as q
from animusic_serving.db import queries
from animusic_serving.db.models import Playlist
from animusic_serving.spotify.client import (
    Pacer,
    Politeness,
    SpotifyAccounts,
    SpotifyApi,
    SpotifyError,
    pkce_pair,
)
from animusic_serving.spotify.export import StoredTokens, run_export
from animusic_serving.spotify.matching import SongQuery
from animusic_serving.spotify.tokens import TokenCipher, TokenKeyError

router = APIRouter(tags=["spotify"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    404: {"description": "Spotify export not configured on this server"},
    409: {"description": "Spotify not connected, or access revoked: connect again"},
    502: {"description": "Spotify refused"},
    503: {"description": "Spotify unreachable or rate-limiting"},
}


# --------------------------------------------------------------------------- plumbing


def _configured(request: Request) -> tuple[Any, TokenCipher]:
    settings = request.app.state.settings
    if not settings.spotify_configured:
        # 404, not 503: the feature is absent on this server, not failing for a while
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail="Spotify export is not configured on this server "
            "(SPOTIFY_CLIENT_ID and ANIMUSIC_TOKEN_KEY)",
        )
    try:
        return settings, TokenCipher(settings.token_key.get_secret_value())
    except TokenKeyError as exc:
        raise HTTPException(
            404, detail=f"Spotify export is off: ANIMUSIC_TOKEN_KEY is invalid: {exc}"
        ) from None


_PACERS: dict[float, Pacer] = {}  # one per interval: shared by the requests of this process


@contextmanager
def _spotify(settings: Settings) -> Iterator[tuple[SpotifyAccounts, httpx.Client, Politeness]]:
    assert settings.spotify_client_id, "callers check _configured first"
    interval = settings.spotify_min_interval_seconds
    pacer = _PACERS.setdefault(interval, Pacer(interval))
    politeness = Politeness(
        max_wait_seconds=settings.spotify_max_wait_seconds,
        backoff_seconds=settings.spotify_backoff_seconds,
        pacer=pacer,
    )
    with httpx.Client(
        timeout=settings.spotify_timeout_seconds, headers={"User-Agent": "animusic/0.1"}
    ) as http:
        yield (
            SpotifyAccounts(
                settings.spotify_accounts_url, settings.spotify_client_id, http, politeness
            ),
            http,
            politeness,
        )


def _failed(exc: SpotifyError) -> HTTPException:
    return HTTPException(exc.status, detail=str(exc))


# --------------------------------------------------------------------------- connect


@router.post("/spotify/connect", response_model=ConnectOut, responses=RESPONSES)
def connect(
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
    anilist_username: Annotated[Username | None, Query()] = None,
) -> ConnectOut:
    """Start the sign-in: the URL to send the listener's browser to."""
    settings, _ = _configured(request)
    user = queries.get_or_create_user(session, principal.resolve(anilist_username))
    principal.check(user.anilist_id)
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    q.save_auth_state(session, user, state, verifier)
    session.commit()
    with _spotify(settings) as (accounts, _, _):
        return ConnectOut(
            authorize_url=accounts.authorize_url(settings.spotify_redirect_uri, state, challenge)
        )


@router.get("/spotify/callback", include_in_schema=False)
def callback(
    request: Request,
    session: SessionDep,
    state: CleanText = "",
    code: CleanText = "",
    error: CleanText = "",
) -> RedirectResponse:
    """Spotify sends the browser here; ``state`` says whose sign-in it was."""

    def back(**params: str) -> RedirectResponse:
        return RedirectResponse("/?" + urlencode(params), status_code=303)

    settings, cipher = _configured(request)
    pending = q.take_auth_state(session, state[:64]) if state else None
    session.commit()
    if pending is None:
        return back(spotify="error", reason="this sign-in link expired; connect again")
    if error or not code:
        return back(spotify="error", reason=f"Spotify said: {error or 'no code'}")
    try:
        with _spotify(settings) as (accounts, http, politeness):
            tokens = accounts.exchange(code, pending.code_verifier, settings.spotify_redirect_uri)

            class Fresh:  # the token just issued; nothing to refresh yet
                def current(self) -> str:
                    return tokens.access_token

                def refresh(self) -> str:
                    return tokens.access_token

            spotify_user = SpotifyApi(settings.spotify_api_url, Fresh(), http, politeness).me()
    except SpotifyError as exc:
        return back(spotify="error", reason=str(exc))
    q.save_spotify_account(
        session,
        pending.user_id,
        spotify_user,
        cipher.encrypt(tokens.access_token),
        cipher.encrypt(tokens.refresh_token or ""),
        q.now() + dt.timedelta(seconds=tokens.expires_in),
        tokens.scope,
    )
    session.commit()
    return back(spotify="connected")


@router.get("/spotify/status", response_model=StatusOut, responses=RESPONSES)
def spotify_status(
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
    anilist_username: Annotated[Username | None, Query()] = None,
) -> StatusOut:
    configured = request.app.state.settings.spotify_configured
    user = queries.get_user(session, principal.resolve(anilist_username))
    if user is None:
        return StatusOut(configured=configured, connected=False)
    principal.check(user.anilist_id)
    account = q.get_spotify_account(session, user.id)
    exports = [
        ExportOut(
            source=e.source,
            name=e.name,
            spotify_playlist_id=e.spotify_playlist_id,
            status=e.status,
            total=e.total,
            matched=e.matched,
            written=e.written,
            unmatched=e.unmatched or [],
            message=e.error or "",
        )
        for e in q.list_exports(session, user.id)
    ]
    return StatusOut(
        configured=configured,
        connected=account is not None,
        spotify_user_id=account.spotify_user_id if account else None,
        exports=exports,
    )


@router.delete("/spotify/connection", response_model=StatusOut, responses=RESPONSES)
def disconnect(
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
    anilist_username: Annotated[Username | None, Query()] = None,
) -> StatusOut:
    """Forget the listener's Spotify tokens (the exports' history stays)."""
    user = queries.get_user(session, principal.resolve(anilist_username))
    if user is not None:
        principal.check(user.anilist_id)
        q.delete_spotify_account(session, user.id)
        session.commit()
    return StatusOut(configured=request.app.state.settings.spotify_configured, connected=False)


# --------------------------------------------------------------------------- export


def song_queries(bundle: Bundle, song_ids: list[str]) -> list[SongQuery]:
    """What the matcher needs from the bundle; songs no longer in it are skipped."""
    songs = bundle.songs
    out = []
    for song_id in dict.fromkeys(song_ids):
        row = bundle.row_of(song_id)
        if row is None:
            continue

        def value(column: str, row: int = row) -> Any:
            return songs[column].iat[row] if column in songs.columns else None

        anime = tuple(
            t for t in (_text(value("anime_title")), _text(value("anime_title_english"))) if t
        )
        out.append(
            SongQuery(
                song_id,
                _text(value("title")),
                tuple(str(a) for a in _sequence(value("artists")) if a),
                tuple(dict.fromkeys(anime)),
            )
        )
    return out


@router.post("/spotify/export", response_model=ExportOut, responses=RESPONSES)
def export(
    body: ExportIn,
    principal: CurrentUser,
    session: SessionDep,
    bundle: BundleDep,
    request: Request,
    anilist_username: Annotated[Username | None, Query()] = None,
) -> ExportOut:
    """Export liked songs (to "Animusic — liked") or one served playlist (to "Animusic —
    <its date>") into a private Spotify playlist, created once and then updated in place.
    Songs matched below the confidence threshold are left out and listed."""
    settings, cipher = _configured(request)
    user = queries.get_or_create_user(session, principal.resolve(anilist_username))
    principal.check(user.anilist_id)
    if body.source == "liked":
        source, name = "liked", "Animusic — liked"
        song_ids = q.liked_song_ids(session, user.id)
    else:
        assert body.playlist_id is not None
        found = q.playlist_song_ids(session, user.id, body.playlist_id)
        served = session.get(Playlist, body.playlist_id)
        if found is None or served is None:
            raise HTTPException(404, detail=f"unknown playlist_id {body.playlist_id}")
        source, song_ids = f"playlist:{body.playlist_id}", found
        name = f"Animusic — {served.created_at:%Y-%m-%d %H:%M}"
    songs = song_queries(bundle, song_ids)
    if not songs:
        raise HTTPException(
            422,
            detail="nothing to export: like some songs first"
            if body.source == "liked"
            else "that playlist has no songs left",
        )
    if q.get_spotify_account(session, user.id) is None:
        raise HTTPException(409, detail="Spotify is not connected: connect it first")
    try:
        with _spotify(settings) as (accounts, http, politeness):
            api = SpotifyApi(
                settings.spotify_api_url,
                StoredTokens(session, user.id, cipher, accounts),
                http,
                politeness,
            )
            result = run_export(
                session, api, user.id, source, name, songs, settings.spotify_min_confidence
            )
    except SpotifyError as exc:
        raise _failed(exc) from None
    except TokenKeyError as exc:  # the key changed: the stored grant is useless
        raise HTTPException(409, detail=f"{exc}; connect Spotify again") from None
    left_out = len(result.unmatched)
    return ExportOut(
        source=result.source,
        name=result.name,
        spotify_playlist_id=result.spotify_playlist_id,
        status=result.status,
        total=result.total,
        matched=result.matched,
        written=result.written,
        unmatched=[UnmatchedOut(**u) for u in result.unmatched],
        message=f"{result.matched} of {result.total} songs matched"
        + (f"; {left_out} left out (no confident match)" if left_out else ""),
    )
