"""Users and auth: AniList token -> session token; every user endpoint acts on the token's
user only; imports from AniList / MAL through local stubs; dev mode."""

import itertools
import socket
import time

import pytest

from animusic_serving.api.auth import SessionSigner
from tests.serving.conftest import SESSION_SECRET
from tests.serving.stubs import SiteStub


@pytest.fixture(scope="module")
def stub():
    stub = SiteStub()
    stub.tokens = {"tok-ann": (101, "ann"), "tok-bob": (202, "bob")}
    stub.anilist_lists = {
        "ann": [
            {"status": "COMPLETED", "media": {"id": 9, "idMal": 1}},
            {"status": "CURRENT", "media": {"id": 8, "idMal": 2}},
            {"status": "PLANNING", "media": {"id": 7, "idMal": 3}},
            {"status": "COMPLETED", "media": {"id": 6, "idMal": None}},
            {"status": "REPEATING", "media": {"id": 9, "idMal": 1}},
        ]
    }
    stub.mal_lists = {
        "ann_mal": [
            (4, "completed"),
            (5, "watching"),
            (1, "dropped"),
            (2, "plan_to_watch"),
            (3, "completed"),
        ]
    }
    yield stub
    stub.close()


@pytest.fixture
def secure(client_factory, bundle_root, db_session, stub):
    with client_factory(
        bundle_root, session=db_session, settings={"dev_mode": False, **stub.settings()}
    ) as client:
        yield client


def sign_in(client, token):
    response = client.post("/auth/anilist", json={"access_token": token})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['session_token']}"}


def fb(song="s3", **kw):
    return {
        "song_id": song,
        "recommended_by": "minilm",
        "watch_time": 10.0,
        "total_video_time": 60.0,
        **kw,
    }


def test_sign_in_returns_a_session_for_the_tokens_user(secure):
    body = secure.post("/auth/anilist", json={"access_token": "tok-ann"}).json()
    assert (body["anilist_username"], body["anilist_id"], body["token_type"]) == (
        "ann",
        101,
        "bearer",
    )
    headers = {"Authorization": f"Bearer {body['session_token']}"}
    assert secure.get("/playlist", headers=headers).status_code == 200


def test_bad_tokens_are_401(secure):
    assert secure.post("/auth/anilist", json={"access_token": "forged"}).status_code == 401
    assert secure.get("/playlist").status_code == 401  # no token, dev mode off
    assert secure.get("/playlist", params={"anilist_username": "ann"}).status_code == 401
    headers = sign_in(secure, "tok-ann")
    payload, mac = headers["Authorization"].removeprefix("Bearer ").split(".")
    for bad in (f"{payload}.{mac[:-2]}xx", f"{payload[:-2]}xx.{mac}", "garbage", "a.b.c"):
        response = secure.get("/playlist", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, bad
    other_key = SessionSigner("another-secret-" + "y" * 32, 60).issue("ann", 101)[0]
    assert (
        secure.get("/playlist", headers={"Authorization": f"Bearer {other_key}"}).status_code == 401
    )
    expired = SessionSigner(SESSION_SECRET, 60).issue("ann", 101, now=time.time() - 3600)[0]
    response = secure.get("/playlist", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and "expired" in response.text


def test_user_a_cannot_touch_user_b(secure):
    ann, bob = sign_in(secure, "tok-ann"), sign_in(secure, "tok-bob")
    assert secure.post("/feedback", json=fb(liked=True), headers=bob).status_code == 200
    # ann names bob everywhere: refused, and bob's data is untouched
    assert (
        secure.post(
            "/feedback", json=fb(anilist_username="bob", watch_time=55.0), headers=ann
        ).status_code
        == 403
    )
    assert (
        secure.delete(
            "/feedback/s3/like", params={"anilist_username": "bob"}, headers=ann
        ).status_code
        == 403
    )
    assert (
        secure.post(
            "/upload_anilist_profile", json={"anilist_username": "bob", "mal_ids": [1]}, headers=ann
        ).status_code
        == 403
    )
    assert (
        secure.get("/playlist", params={"anilist_username": "bob"}, headers=ann).status_code == 403
    )
    assert (
        secure.post("/import/anilist", json={"anilist_username": "bob"}, headers=ann).status_code
        == 403
    )
    # ann's own unlike of s3 finds no row of hers (bob's row is not hers to change)
    assert secure.delete("/feedback/s3/like", headers=ann).status_code == 404
    bob_row = secure.post("/feedback", json=fb(watch_time=0.0), headers=bob).json()
    assert (bob_row["anilist_username"], bob_row["watch_time"], bob_row["liked"]) == (
        "bob",
        10.0,
        True,
    )
    # a playlist id of bob's cannot be attached to ann's feedback
    bob_playlist = secure.get("/playlist", headers=bob).json()["playlist_id"]
    response = secure.post("/feedback", json=fb(song="s4", playlist_id=bob_playlist), headers=ann)
    assert response.status_code == 404 and "playlist_id" in response.text


def test_import_from_anilist_and_mal(secure, stub):
    ann = sign_in(secure, "tok-ann")
    body = secure.post("/import/anilist", json={}, headers=ann).json()
    assert body == {"anilist_username": "ann", "anime_count": 2, "source": "anilist"}
    body = secure.post("/import/mal", json={"username": "ann_mal"}, headers=ann).json()
    assert body == {"anilist_username": "ann", "anime_count": 3, "source": "mal"}  # 4, 5, 3
    assert any("offset=4" in r for r in stub.requests)  # followed the pages
    assert (
        secure.post("/import/anilist", json={"username": "nobody"}, headers=ann).status_code == 404
    )
    assert secure.post("/import/mal", json={"username": "nobody"}, headers=ann).status_code == 404
    stub.rate_limited = True
    try:
        response = secure.post("/import/anilist", json={}, headers=ann)
        assert response.status_code == 503 and "rate limit" in response.text
    finally:
        stub.rate_limited = False


def test_mal_import_without_a_client_id_reads_the_public_list(
    client_factory, bundle_root, db_session, stub
):
    """No key: the public load.json, 300 entries a page until a short page, at most one
    request a second (the default MAL interval); planned (6) and dropped (4) left out."""
    entries = [(i, 2) for i in range(1, 601)] + [(601, 6), (602, 4), (603, 1), (1, 2)]
    stub.mal_public_lists["pub_user"] = entries
    stub.mal_private.add("secret_user")
    settings = {**stub.settings(), "mal_client_id": None, "mal_min_interval_seconds": 1.0}
    start = len(stub.times)
    with client_factory(bundle_root, session=db_session, settings=settings) as client:
        response = client.post(
            "/import/mal", json={"anilist_username": "ann", "username": "pub_user"}
        )
        assert response.status_code == 200, response.text
        assert response.json() == {
            "anilist_username": "ann",
            "anime_count": 601,
            "source": "mal",
        }  # 1..600 and 603
        pages = [(p, t) for p, t in stub.times[start:] if p.startswith("/animelist/")]
        assert [p for p, _ in pages] == [
            f"/animelist/pub_user/load.json?status=7&offset={o}" for o in (0, 300, 600)
        ]
        gaps = [b - a for (_, a), (_, b) in itertools.pairwise(pages)]
        assert min(gaps) >= 0.95, gaps  # polite: <= 1 request/s
        listed = client.get("/anime_list", params={"anilist_username": "ann"}).json()
        assert len(listed["items"]) == 601
        for name in ("no_such_user", "secret_user"):
            response = client.post(
                "/import/mal", json={"anilist_username": "ann", "username": name}
            )
            assert response.status_code == 404, response.text
            assert response.json()["detail"] == (
                "There is no MyAnimeList user by that name, or their anime list is private."
            )


def test_import_failures_are_one_friendly_sentence(client_factory, bundle_root, db_session, stub):
    """A site that cannot be reached, or answers garbage: a sentence, not an exception."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    settings = {
        **stub.settings(),
        "mal_client_id": None,
        "anilist_graphql_url": f"http://127.0.0.1:{port}/graphql",
        "mal_web_url": f"http://127.0.0.1:{port}",
    }
    with client_factory(bundle_root, session=db_session, settings=settings) as client:
        for site in ("anilist", "mal"):
            response = client.post(
                f"/import/{site}", json={"anilist_username": "ann", "username": "ann"}
            )
            assert response.status_code == 502
            detail = response.json()["detail"]
            assert detail.endswith("try again in a minute.") and "Error" not in detail, detail
        # anime already on the list survive a failed import
        client.post("/anime_list", json={"anilist_username": "ann", "mal_ids": [1, 2]})
        client.post("/import/anilist", json={"anilist_username": "ann", "username": "ann"})
        listed = client.get("/anime_list", params={"anilist_username": "ann"}).json()
        assert [e["anime_id"] for e in listed["items"]] == [1, 2]


def test_dev_mode_accepts_a_plain_username_and_is_logged(
    client_factory, bundle_root, db_session, caplog
):
    with client_factory(bundle_root, session=db_session) as client:
        assert client.get("/playlist", params={"anilist_username": "demo"}).status_code == 200
    assert "DEV MODE" in caplog.text


def test_import_rate_limiter_spaces_requests():
    from animusic_serving.clients.base import MinIntervalLimiter, SourceError

    now = [0.0]
    slept = []
    limiter = MinIntervalLimiter(
        2.0, max_wait=5.0, clock=lambda: now[0], sleep=lambda s: slept.append(s)
    )
    for _ in range(3):  # the clock stands still: each waits 2 s longer than the last
        limiter.acquire()
    assert slept == [2.0, 4.0]
    with pytest.raises(SourceError):
        limiter.acquire()  # would wait 6 s > 5 s: refused instead of blocking a worker


def test_a_name_given_up_and_taken_does_not_hand_over_data_or_sessions(secure, stub):
    stub.tokens["tok-old"] = (303, "carol")
    old = sign_in(secure, "tok-old")
    assert secure.post("/feedback", json=fb(liked=True), headers=old).status_code == 200
    # carol (303) renames on AniList; someone else (404) takes the name "carol"
    stub.tokens["tok-new"] = (404, "carol")
    new = sign_in(secure, "tok-new")
    row = secure.post("/feedback", json=fb(song="s5"), headers=new).json()
    assert row["liked"] is False  # a fresh user: nothing of the old carol
    assert secure.delete("/feedback/s3/like", headers=new).status_code == 404
    # the old session names "carol" but was issued to AniList account 303: refused
    response = secure.get("/playlist", headers=old)
    assert response.status_code == 401 and "sign in again" in response.text
    # the old account signs in under its new name and finds its data again
    stub.tokens["tok-old"] = (303, "carol2")
    renamed = sign_in(secure, "tok-old")
    back = secure.post("/feedback", json=fb(watch_time=0.0), headers=renamed).json()
    assert (back["anilist_username"], back["liked"]) == ("carol2", True)
