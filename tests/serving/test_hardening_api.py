"""Issue 15's API defects, one test each: non-ASCII bearer tokens, lone surrogates and NUL in
any request string, malformed AniList answers, sign-in lockout by abusive clients, user names,
watch times and the ``recommended_by`` enum."""

import json
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from animusic_serving.api.errors import error_response
from animusic_serving.api.schemas import MAX_VIDEO_SECONDS, USERNAME_PATTERN
from animusic_serving.clients.anilist import AniListClient
from animusic_serving.clients.base import SourceError
from animusic_serving.recommend import PLAYLIST_MODELS
from tests.serving.stubs import SiteStub


@pytest.fixture(scope="module")
def stub():
    stub = SiteStub()
    stub.tokens = {"tok-ann": (101, "ann"), "tok-odd": (102, "odd name\n")}
    yield stub
    stub.close()


@pytest.fixture
def secure(client_factory, bundle_root, db_session, stub):
    with client_factory(
        bundle_root,
        session=db_session,
        raise_server_exceptions=False,
        settings={"dev_mode": False, **stub.settings()},
    ) as client:
        yield client


@pytest.fixture
def dev(client_factory, bundle_root, db_session):
    with client_factory(bundle_root, session=db_session, raise_server_exceptions=False) as c:
        yield c


def _post_json(client, url: str, raw_json: str, **kw):
    return client.post(
        url,
        content=raw_json.encode(),
        **kw,
        headers={"content-type": "application/json", **kw.pop("headers", {})},
    )


def _field(response) -> list:
    assert response.status_code == 422, (response.status_code, response.text)
    return [e["loc"] for e in response.json()["detail"]]


# --- defect 1: a non-ASCII character in a bearer token was a 500 (the HMAC compare)


def test_non_ascii_bearer_tokens_are_401(secure):
    for token in ("\xe9t\xe9.abc", "abc.\xff\xfe", "\xa0"):
        response = secure.get(
            "/playlist", headers={"Authorization": f"Bearer {token}".encode("latin-1")}
        )
        assert response.status_code == 401, (token, response.text)


# --- defect 2: a 422 echoing a lone surrogate was a 500 when its body was encoded


def test_lone_surrogates_are_422_naming_the_field(dev):
    fields = '"song_id": "s1", "recommended_by": "tfidf", "watch_time": 1, "total_video_time": 2'
    cases = {
        '{"anilist_username": "\\ud800", %s}': ["body", "anilist_username"],
        '{"anilist_username": "ann", "song_id": "s\\udfff", "recommended_by": "tfidf", '
        '"watch_time": 1, "total_video_time": 2}': ["body", "song_id"],
        '{"anilist_username": "ann", %s, "recommended_by": "\\ud83d"}': ["body", "recommended_by"],
    }
    for raw, loc in cases.items():
        response = _post_json(dev, "/feedback", raw.replace("%s", fields))
        assert loc in _field(response), response.text
        response.content.decode("utf-8")  # the echo is valid UTF-8
    response = _post_json(dev, "/auth/anilist", '{"access_token": "\\udc00abc"}')
    assert ["body", "access_token"] in _field(response)


def test_the_error_renderer_cannot_fail():
    nasty = {
        "s": "\ud800\x00",
        "b": b"\xff\xfe",
        "f": float("nan"),
        "o": object(),
        "e": ValueError("\udfff"),
        "nested": [[[{"k\ud800": (1, 2.5, None)}]]],
    }
    response = error_response(nasty, 422)
    body = json.loads(response.body.decode("utf-8"))["detail"]
    assert body["s"] == "\\ud800\x00" and body["f"] == "nan" and body["b"] == "\\xff\\xfe"
    assert body["nested"][0][0][0] == {"k\\ud800": [1, 2.5, None]}


# --- defect 3: a NUL byte in a path or body string reached PostgreSQL (500)


def test_nul_in_path_query_and_body_is_422_naming_the_field(dev):
    assert ["path", "song_id"] in _field(
        dev.delete("/feedback/%00/like", params={"anilist_username": "ann"})
    )
    assert ["path", "song_id"] in _field(dev.get("/songs/s%00/similar"))
    assert ["query", "q"] in _field(dev.get("/songs/search", params={"q": "a\x00"}))
    assert ["query", "model"] in _field(dev.get("/songs/s1/similar", params={"model": "\x00"}))
    assert ["query", "q"] in _field(dev.get("/anime/search", params={"q": "\x00"}))
    assert ["query", "anilist_username"] in _field(
        dev.get("/spotify/status", params={"anilist_username": "a\x00"})
    )
    assert ["query", "anilist_username"] in _field(
        dev.get("/playlist", params={"anilist_username": "a\x00"})
    )
    response = _post_json(
        dev,
        "/feedback",
        '{"anilist_username": "ann", "song_id": "s\\u0000",'
        ' "recommended_by": "tfidf", "watch_time": 1,'
        ' "total_video_time": 2}',
    )
    assert ["body", "song_id"] in _field(response)
    assert "NUL" in response.text


# --- defect 4: a malformed AniList answer was a 500 instead of a 502

MALFORMED = [
    {"data": {"MediaListCollection": {"lists": "oops"}}},
    {"data": {"MediaListCollection": {"lists": [{"entries": [{"media": "x"}]}]}}},
    {"data": {"MediaListCollection": {"lists": [{"entries": [{"media": {"idMal": "7"}}]}]}}},
    {"data": {"MediaListCollection": {"lists": [{"entries": 5}]}}},
    {"data": {"MediaListCollection": []}},
    {"data": [], "errors": None},
    {"errors": 5},
    {"errors": "oops", "data": None},
    [1, 2],
]


@pytest.mark.parametrize("answer", MALFORMED)
def test_malformed_anilist_answers_are_502(answer):
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    client = AniListClient("http://anilist.invalid/graphql", 0, 5, transport=transport)
    with pytest.raises(SourceError) as raised:
        client.anime_list("ann")
    assert (
        raised.value.status in (502, 404)
        if answer == {"errors": "oops", "data": None}
        else raised.value.status == 502
    )


@pytest.mark.parametrize(
    "answer",
    [
        {"data": "oops"},
        {"data": 5},
        {"data": [{"node": "x", "list_status": "y"}], "paging": 3},
        {"data": [{"node": {"id": 7}, "list_status": "completed"}], "paging": []},
    ],
)
def test_malformed_mal_answers_are_502_not_500(answer):
    from animusic_serving.clients.mal import MalClient

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    client = MalClient("http://mal.invalid/v2", "id", 0, 5, transport=transport)
    with pytest.raises(SourceError) as raised:
        client.anime_list("ann")
    assert raised.value.status == 502


def test_a_malformed_viewer_is_502_through_the_api(secure):
    answer = {"data": {"Viewer": {"id": "101", "name": ["ann"]}}}
    secure.app.state.anilist = AniListClient(
        "http://anilist.invalid/graphql",
        0,
        5,
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=answer)),
    )
    response = secure.post("/auth/anilist", json={"access_token": "tok-ann"})
    assert response.status_code == 502 and "unexpected shape" in response.text


# --- defect 5: eight abusive clients locked every real sign-in out (one limiter for all)


def test_eight_abusive_clients_cannot_lock_out_a_real_sign_in(
    client_factory, bundle_root, db_session, stub
):
    # production pacing towards AniList (30/min); the stub answers garbage tokens with 401
    settings = {"dev_mode": False, **stub.settings(), "anilist_min_interval_seconds": 2.0}
    with client_factory(
        bundle_root, session=db_session, raise_server_exceptions=False, settings=settings
    ) as owner:
        stop, statuses, lock = threading.Event(), [], threading.Lock()

        def hammer(address: str) -> None:
            abuser = TestClient(owner.app, client=(address, 40000), raise_server_exceptions=False)
            for n in range(300):  # bounded: at most 300 requests or until told to stop
                if stop.is_set():
                    break
                status = abuser.post(
                    "/auth/anilist", json={"access_token": f"garbage-{n}"}
                ).status_code
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=hammer, args=(f"10.0.0.{i}",)) for i in range(8)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.0)  # let them fill whatever they can
            real = TestClient(owner.app, client=("10.0.1.1", 40000))
            started = time.monotonic()
            response = real.post("/auth/anilist", json={"access_token": "tok-ann"})
            elapsed = time.monotonic() - started
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
    assert response.status_code == 200, response.text
    assert response.json()["anilist_username"] == "ann"
    assert elapsed < 5.0
    assert 429 in statuses and 500 not in statuses and 503 not in statuses
    assert statuses.count(401) <= 8 * 3  # each address got its 3 sign-ins a minute


# --- defect 7: user names, watch times, recommended_by


def test_user_names_follow_one_pattern_in_the_schema_and_the_server(dev, secure):
    spec = dev.get("/openapi.json").json()
    schema = spec["components"]["schemas"]["AnimeListIn"]["properties"]["anilist_username"]
    assert {"type": "string", "pattern": USERNAME_PATTERN}.items() <= schema["anyOf"][0].items()
    for bad in ("a b", "ann\n", " ann", "ann\t", "a\u00e9", ""):
        response = dev.post(
            "/upload_anilist_profile", json={"anilist_username": bad, "mal_ids": [1]}
        )
        assert ["body", "anilist_username"] in _field(response), bad
    assert (
        dev.post(
            "/upload_anilist_profile", json={"anilist_username": "Ann_2-b", "mal_ids": [1]}
        ).status_code
        == 200
    )
    # AniList itself naming its user with a space and a newline: refused, nothing stored
    response = secure.post("/auth/anilist", json={"access_token": "tok-odd"})
    assert response.status_code == 502 and "user name" in response.text


def test_watch_time_is_bounded_even_without_a_duration(dev):
    base = {"anilist_username": "ann", "song_id": "s1", "recommended_by": "tfidf"}
    for watch, total in ((1e308, 0), (MAX_VIDEO_SECONDS + 1, 0), (10, 1e308)):
        response = dev.post(
            "/feedback", json={**base, "watch_time": watch, "total_video_time": total}
        )
        assert response.status_code == 422, (watch, total)
    response = dev.post("/feedback", json={**base, "watch_time": 3600, "total_video_time": 0})
    assert response.status_code == 200 and response.json()["watch_time"] == 3600


def test_recommended_by_is_an_enum_of_the_playlist_models(dev):
    spec = dev.get("/openapi.json").json()
    prop = spec["components"]["schemas"]["FeedbackIn"]["properties"]["recommended_by"]
    assert prop["enum"] == list(PLAYLIST_MODELS)
