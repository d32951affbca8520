"""Export to Spotify end to end: the real API (TestClient, real PostgreSQL, commits) against
the fake Spotify accounts service and Web API on 127.0.0.1.

Connect with PKCE, export 230 liked songs (a 401 on an expired token refreshed, a 429 waited
out, items written in batches of at most 100), the low-confidence ones left out and listed,
a second export that searches nothing and updates the same playlist in place, a failed export
that resumes, a revoked grant that says "connect again", and a disconnect that deletes the
tokens."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from animusic_serving.bundle_builder import BundleBuilder
from animusic_serving.db import queries
from animusic_serving.db.session import make_engine, make_sessionmaker
from tests.serving.conftest import make_client, synthetic_songs
from tests.serving.fake_spotify import FakeSpotify, Track

N_SONGS = 230
NO_MATCH = {7, 77, 150}  # Spotify has nothing like these
REMIX_ONLY = {20, 120}  # only a remix of another name: low confidence, left out


def _songs():
    songs = synthetic_songs([1 + i // 2 for i in range(N_SONGS + 10)])
    songs["title"] = [
        f"Hikari {i:03d} (TV size)" if i % 3 else f"Yoru {i:03d} ~Night {i:03d}~"
        for i in range(len(songs))
    ]
    songs["artists"] = [[f"Band {i:03d}"] for i in range(len(songs))]
    return songs


def _catalog(songs) -> list[Track]:
    tracks = []
    for i, (title, artists) in enumerate(zip(songs["title"], songs["artists"], strict=True)):
        if i in NO_MATCH:
            continue
        name = title.replace(" (TV size)", "").split(" ~")[0]
        if i in REMIX_ONLY:
            tracks.append(
                Track(f"spotify:track:remix{i:03d}", f"Other {i:03d} (Remix)", ["DJ Someone"])
            )
            continue
        tracks.append(Track(f"spotify:track:t{i:03d}", name, list(artists)))
        tracks.append(Track(f"spotify:track:k{i:03d}", f"{name} - Karaoke", list(artists)))
    return tracks


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("spotify_bundle")
    songs = _songs()
    builder = BundleBuilder(songs)
    builder.add_scores("popular", np.linspace(1, 0, len(songs)))
    builder.add_model("random")
    builder.publish(root, catalog_hash="spotify-test", version="v1")
    return root


@pytest.fixture(scope="module")
def fake():
    server = FakeSpotify(tracks=_catalog(_songs())).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api(database_url, bundle_dir, fake):
    key = Fernet.generate_key().decode()
    settings = {
        "spotify_client_id": fake.client_id,
        "token_key": key,
        "spotify_accounts_url": fake.url,
        "spotify_api_url": fake.url + "/v1",
        "spotify_redirect_uri": "http://127.0.0.1:8000/spotify/callback",
        "spotify_max_wait_seconds": 5,
        "spotify_backoff_seconds": 0.05,
        "spotify_min_interval_seconds": 0,
    }
    with make_client(database_url, bundle_dir, settings=settings, follow_redirects=False) as client:
        yield client


def _like(database_url, username: str, song_ids: list[str]) -> None:
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        user = queries.get_or_create_user(session, username)
        for song_id in song_ids:
            queries.upsert_feedback(
                session,
                user,
                song_id=song_id,
                recommended_by="tfidf",
                watch_time=100,
                total_video_time=100,
                liked=True,
            )
        session.commit()
    engine.dispose()


def _connect(api, fake, username: str) -> None:
    answer = api.post("/spotify/connect", params={"anilist_username": username})
    assert answer.status_code == 200, answer.text
    url = httpx.URL(answer.json()["authorize_url"])
    assert str(url).startswith(fake.url + "/authorize")
    assert url.params["code_challenge_method"] == "S256"
    assert "playlist-modify-private" in url.params["scope"]
    consent = httpx.get(str(url), follow_redirects=False)  # the listener clicks "Agree"
    assert consent.status_code == 302
    back = httpx.URL(consent.headers["location"])
    callback = api.get(back.path, params=dict(back.params))
    assert callback.status_code == 303
    assert callback.headers["location"] == "/?spotify=connected"


def test_connect_export_resume_revoke_disconnect(api, fake, database_url):
    user = "alice"
    assert (
        api.post(
            "/spotify/export", params={"anilist_username": user}, json={"source": "liked"}
        ).status_code
        == 422
    )  # nothing liked yet
    _like(database_url, user, [f"s{i}" for i in range(N_SONGS)])
    refused = api.post(
        "/spotify/export", params={"anilist_username": user}, json={"source": "liked"}
    )
    assert refused.status_code == 409 and "connect" in refused.json()["detail"]

    _connect(api, fake, user)
    status = api.get("/spotify/status", params={"anilist_username": user}).json()
    assert status["connected"] and status["spotify_user_id"] == "listener1"
    engine = make_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT access_token, refresh_token FROM spotify_accounts")
        ).one()
    blob = bytes(stored.access_token) + bytes(stored.refresh_token)
    assert all(token.encode() not in blob for token in fake.issued_tokens())  # encrypted

    # first export: the token has expired (401 -> refresh) and Spotify rate-limits twice
    fake.expire_access_tokens()
    fake.rate_limit = 2
    first = api.post("/spotify/export", params={"anilist_username": user}, json={"source": "liked"})
    assert first.status_code == 200, first.text
    result = first.json()
    left_out = NO_MATCH | REMIX_ONLY
    assert result["total"] == N_SONGS and result["matched"] == N_SONGS - len(left_out)
    assert result["status"] == "done" and result["name"] == "Animusic — liked"
    assert {u["song_id"] for u in result["unmatched"]} == {f"s{i}" for i in left_out}
    assert all(u["confidence"] < 0.6 for u in result["unmatched"])
    assert result["message"].startswith(f"{N_SONGS - len(left_out)} of {N_SONGS} songs matched")
    playlist = fake.playlists[result["spotify_playlist_id"]]
    assert playlist["public"] is False
    assert playlist["items"] == [
        f"spotify:track:t{i:03d}" for i in range(N_SONGS) if i not in left_out
    ]  # the right take, not the karaoke
    assert fake.count("POST", "/api/token") >= 2  # the code exchange and a refresh
    assert fake.count("GET", "/v1/", 429) == 2
    assert fake.count("PUT", "/v1/playlists") == 1 and fake.count("POST", "/v1/playlists") == 2

    # second export: every song's match is stored, so no search; the same playlist, in place
    searches = fake.count("GET", "/v1/search")
    again = api.post(
        "/spotify/export", params={"anilist_username": user}, json={"source": "liked"}
    ).json()
    assert fake.count("GET", "/v1/search") == searches
    assert again["spotify_playlist_id"] == result["spotify_playlist_id"]
    assert len(fake.playlists) == 1 and playlist["items"] == [
        f"spotify:track:t{i:03d}" for i in range(N_SONGS) if i not in left_out
    ]

    # Spotify fails while writing: one line, the export is "failed", the new matches kept
    _like(database_url, user, [f"s{i}" for i in range(N_SONGS, N_SONGS + 10)])
    fake.fail_paths = {"/items"}
    failed = api.post(
        "/spotify/export", params={"anilist_username": user}, json={"source": "liked"}
    )
    assert failed.status_code == 503
    assert failed.json()["detail"] == "Spotify is not reachable right now; try again later"
    status = api.get("/spotify/status", params={"anilist_username": user}).json()
    assert status["exports"][0]["status"] == "failed"
    searches = fake.count("GET", "/v1/search")
    fake.fail_paths = set()
    resumed = api.post(
        "/spotify/export", params={"anilist_username": user}, json={"source": "liked"}
    ).json()
    assert resumed["status"] == "done" and resumed["matched"] == N_SONGS + 10 - len(left_out)
    assert fake.count("GET", "/v1/search") == searches  # resumed: nothing searched again
    assert len(fake.playlists) == 1 and len(playlist["items"]) == len(
        set(playlist["items"])
    ) == N_SONGS + 10 - len(left_out)

    # a revoked grant: "connect again", and the dead tokens are gone
    fake.revoke_grants()
    revoked = api.post(
        "/spotify/export", params={"anilist_username": user}, json={"source": "liked"}
    )
    assert revoked.status_code == 409 and "connect again" in revoked.json()["detail"]
    assert not api.get("/spotify/status", params={"anilist_username": user}).json()["connected"]

    # connect again, then disconnect: the tokens are deleted
    _connect(api, fake, user)
    gone = api.delete("/spotify/connection", params={"anilist_username": user})
    assert gone.status_code == 200 and not gone.json()["connected"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM spotify_accounts")).scalar() == 0
    engine.dispose()


def test_export_a_served_playlist_and_bad_input(api, fake, database_url):
    user = "bob"
    _connect(api, fake, user)
    served = api.get("/playlist", params={"anilist_username": user}).json()
    answer = api.post(
        "/spotify/export",
        params={"anilist_username": user},
        json={"source": "playlist", "playlist_id": served["playlist_id"]},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["name"].startswith("Animusic — 20") and body["total"] == len(served["items"])
    assert len(fake.playlists[body["spotify_playlist_id"]]["items"]) == body["matched"]
    other = api.post(
        "/spotify/export",
        params={"anilist_username": "carol"},
        json={"source": "playlist", "playlist_id": served["playlist_id"]},
    )
    assert other.status_code == 404  # someone else's playlist
    assert (
        api.post(
            "/spotify/export", params={"anilist_username": user}, json={"source": "playlist"}
        ).status_code
        == 422
    )
    stale = api.get("/spotify/callback", params={"state": "nope", "code": "x"})
    assert stale.status_code == 303 and "spotify=error" in stale.headers["location"]
