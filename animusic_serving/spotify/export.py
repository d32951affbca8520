"""One export run: match the songs (searching only those never matched before), create or
reuse the listener's private playlist, fill it in batches of 100.

Resumable and idempotent: every match is stored as soon as it is found, the playlist id as
soon as it exists, and progress after every batch, each in its own commit. A run that fails
(Spotify down, rate limit beyond the bounded wait) leaves the export row ``failed`` with what
it got through; the next run searches none of the songs already matched, reuses the same
playlist, and fills it again from the start: the first batch *replaces* the playlist's items
(PUT), later ones append, so a refill never duplicates a track.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from animusic_serving.db import account_queries as q
from animusic_serving.db.account_models import SpotifyAccount, SpotifyExport
from animusic_serving.spotify.client import (
    ITEMS_PER_REQUEST,
    GrantRevoked,
    SpotifyAccounts,
    SpotifyApi,
    SpotifyError,
)
from animusic_serving.spotify.matching import (
    DEFAULT_MIN_CONFIDENCE,
    HIGH_CONFIDENCE,
    Match,
    SongQuery,
    best_match,
    queries,
)
from animusic_serving.spotify.tokens import TokenCipher

REFRESH_MARGIN = dt.timedelta(seconds=60)


class NotConnected(SpotifyError):
    def __init__(self) -> None:
        super().__init__(409, "Spotify is not connected: connect it first")


class StoredTokens:
    """A listener's tokens from the database, refreshed (and stored again) when they are
    about to expire or Spotify says 401. A refused refresh deletes the grant."""

    def __init__(
        self,
        session: Session,
        user_id: int,
        cipher: TokenCipher,
        accounts: SpotifyAccounts,
        clock: Callable[[], dt.datetime] = q.now,
    ):
        self.session, self.user_id = session, user_id
        self.cipher, self.accounts, self.clock = cipher, accounts, clock

    def _account(self) -> SpotifyAccount:
        account = q.get_spotify_account(self.session, self.user_id)
        if account is None:
            raise NotConnected()
        return account

    def current(self) -> str:
        account = self._account()
        if account.expires_at - REFRESH_MARGIN <= self.clock():
            return self.refresh()
        return self.cipher.decrypt(account.access_token)

    def refresh(self) -> str:
        account = q.get_spotify_account(self.session, self.user_id, for_update=True)
        if account is None:
            raise NotConnected()
        try:
            tokens = self.accounts.refresh(self.cipher.decrypt(account.refresh_token))
        except GrantRevoked:
            q.delete_spotify_account(self.session, self.user_id)
            self.session.commit()
            raise
        q.save_spotify_account(
            self.session,
            self.user_id,
            account.spotify_user_id,
            self.cipher.encrypt(tokens.access_token),
            self.cipher.encrypt(tokens.refresh_token or ""),
            self.clock() + dt.timedelta(seconds=tokens.expires_in),
            tokens.scope,
        )
        self.session.commit()
        return tokens.access_token


@dataclass
class ExportResult:
    source: str
    name: str
    spotify_playlist_id: str | None
    total: int
    matched: int
    written: int
    status: str
    unmatched: list[dict] = field(default_factory=list)
    error: str | None = None


def find_match(api: SpotifyApi, song: SongQuery) -> Match:
    """Try the song's queries in order; stop at the first confident match."""
    best = Match(None, 0.0, "")
    for query in queries(song):
        match = best_match(song, query, api.search_tracks(query))
        if match.confidence > best.confidence:
            best = match
        if best.confidence >= HIGH_CONFIDENCE:
            break
    return best


def run_export(
    session: Session,
    api: SpotifyApi,
    user_id: int,
    source: str,
    name: str,
    songs: list[SongQuery],
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    description: str = "Exported from Animusic",
) -> ExportResult:
    export = q.start_export(session, user_id, source, name, len(songs))
    session.commit()
    if export is None:
        raise SpotifyError(409, "this export is already running; wait for it to finish")
    try:
        uris, unmatched = _match_all(session, api, songs, min_confidence, export)
        playlist_id = export.spotify_playlist_id
        if playlist_id is None or not api.playlist_exists(playlist_id):
            playlist_id = api.create_playlist(export.name, description)
            export.spotify_playlist_id = playlist_id
            session.commit()
        export.written = 0
        batches = [
            uris[i : i + ITEMS_PER_REQUEST] for i in range(0, len(uris), ITEMS_PER_REQUEST)
        ] or [[]]
        for number, batch in enumerate(batches):
            (api.replace_items if number == 0 else api.add_items)(playlist_id, batch)
            export.written += len(batch)
            export.updated_at = q.now()
            session.commit()
        export.status, export.unmatched, export.updated_at = "done", unmatched, q.now()
        session.commit()
    except SpotifyError as exc:
        session.rollback()
        failed = q.get_export(session, user_id, source)
        if failed is not None:
            failed.status, failed.error, failed.updated_at = "failed", str(exc), q.now()
            session.commit()
        raise
    return ExportResult(
        source,
        export.name,
        playlist_id,
        export.total,
        export.matched,
        export.written,
        export.status,
        unmatched,
    )


def _match_all(
    session: Session,
    api: SpotifyApi,
    songs: list[SongQuery],
    min_confidence: float,
    export: SpotifyExport,
) -> tuple[list[str], list[dict]]:
    stored = q.get_matches(session, (s.song_id for s in songs))
    uris: list[str] = []
    unmatched: list[dict] = []
    export.matched = 0
    for song in songs:
        row = stored.get(song.song_id)
        if row is None:  # never searched: search now and keep the answer for next time
            match = find_match(api, song)
            c = match.candidate
            q.save_match(
                session,
                song.song_id,
                c.uri if c else None,
                c.name if c else None,
                ", ".join(c.artists) if c else None,
                match.confidence,
                match.query,
            )
            uri, confidence = (c.uri if c else None), match.confidence
        else:
            uri, confidence = row.track_uri, row.confidence
        if uri is not None and confidence >= min_confidence:
            if uri not in uris:
                uris.append(uri)
            export.matched += 1
        else:
            unmatched.append(
                {
                    "song_id": song.song_id,
                    "title": song.title,
                    "artists": list(song.artists),
                    "confidence": round(confidence, 3),
                }
            )
        export.updated_at = q.now()
        session.commit()  # the match is kept even if a later search fails
    return uris, unmatched
