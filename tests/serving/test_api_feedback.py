"""POST /feedback: validation with clear messages, merge semantics, concurrency."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest


def feedback(**overrides):
    return {
        "anilist_username": "ann",
        "song_id": "s3",
        "recommended_by": "minilm",
        "watch_time": 30.0,
        "total_video_time": 90.0,
        "liked": False,
        **overrides,
    }


def test_feedback_is_stored_and_merged(client):
    first = client.post("/feedback", json=feedback(liked=True))
    assert first.status_code == 200, first.text
    body = first.json()
    assert {k: body[k] for k in ("song_id", "recommended_by", "watch_time", "liked")} == {
        "song_id": "s3",
        "recommended_by": "minilm",
        "watch_time": 30.0,
        "liked": True,
    }
    second = client.post("/feedback", json=feedback(watch_time=10.0, recommended_by="popular"))
    body = second.json()
    assert (body["watch_time"], body["liked"], body["recommended_by"]) == (30.0, True, "minilm")


@pytest.mark.parametrize(
    "overrides, status, message",
    [
        ({"watch_time": -1}, 422, "greater than or equal to 0"),
        ({"total_video_time": -5}, 422, "greater than or equal to 0"),
        ({"watch_time": 96.0}, 422, "exceeds total_video_time"),
        ({"recommended_by": "gpt"}, 422, "unknown model 'gpt'"),
        ({"song_id": "no-such-song"}, 404, "unknown song_id 'no-such-song'"),
        ({"anilist_username": " "}, 422, "should match pattern"),
    ],
)
def test_invalid_feedback_is_rejected_with_a_clear_message(client, overrides, status, message):
    response = client.post("/feedback", json=feedback(**overrides))
    assert response.status_code == status
    assert message in response.text


def test_nan_and_infinity_are_422_not_500(client):
    body = (
        '{"anilist_username": "ann", "song_id": "s3", "recommended_by": "tfidf", '
        '"watch_time": NaN, "total_video_time": Infinity}'
    )
    response = client.post("/feedback", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "finite" in response.text


def test_watch_time_within_the_slack_and_unknown_length_are_accepted(client):
    assert client.post("/feedback", json=feedback(watch_time=94.0)).status_code == 200
    assert (
        client.post(
            "/feedback", json=feedback(song_id="s4", watch_time=50.0, total_video_time=0)
        ).status_code
        == 200
    )


def test_50_concurrent_http_reports_keep_the_max_and_the_like(client_factory, bundle_root):
    """Committed data (no rolled-back session): each request is its own transaction."""
    username = f"http-racer-{uuid.uuid4().hex[:8]}"
    with client_factory(bundle_root) as client:

        def report(i):
            return client.post(
                "/feedback",
                json=feedback(
                    anilist_username=username,
                    song_id="s2",
                    watch_time=float(i),
                    total_video_time=60.0,
                    liked=(i == 33),
                ),
            ).status_code

        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = list(pool.map(report, range(50)))
        assert statuses == [200] * 50
        final = client.post(
            "/feedback",
            json=feedback(
                anilist_username=username, song_id="s2", watch_time=0.0, total_video_time=0.0
            ),
        )
    body = final.json()
    assert (body["watch_time"], body["total_video_time"], body["liked"]) == (49.0, 60.0, True)


def test_opened_is_recorded_and_sticky(client):
    """A search link opened elsewhere: nothing measured, but the row says it was opened."""
    base = {
        "anilist_username": "opener",
        "song_id": "s2",
        "recommended_by": "random",
        "watch_time": 0,
        "total_video_time": 0,
    }
    first = client.post("/feedback", json={**base, "opened": True})
    assert first.status_code == 200, first.text
    assert first.json()["opened"] is True and first.json()["watch_time"] == 0
    later = client.post("/feedback", json={**base, "watch_time": 3, "total_video_time": 60})
    assert later.json()["opened"] is True and later.json()["watch_time"] == 3
    other = client.post("/feedback", json={**base, "song_id": "s3"}).json()
    assert other["opened"] is False
