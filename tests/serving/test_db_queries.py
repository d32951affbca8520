"""The statements against the real PostgreSQL: atomic user creation, list replacement,
feedback upserts (max times, sticky like) under concurrency."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from animusic_serving.db import queries
from animusic_serving.db.session import make_engine, make_sessionmaker


def test_get_or_create_user_is_idempotent(db_session):
    first = queries.get_or_create_user(db_session, "ann")
    again = queries.get_or_create_user(db_session, "ann")
    assert first.id == again.id
    assert queries.get_user(db_session, "nobody") is None


def test_replace_anime_list_replaces_and_tolerates_duplicates(db_session):
    user = queries.get_or_create_user(db_session, "ann")
    assert queries.replace_anime_list(db_session, user, [5, 1, 5, 3]) == 3
    assert queries.get_anime_list(db_session, user) == [1, 3, 5]
    assert queries.replace_anime_list(db_session, user, [7]) == 1
    assert queries.get_anime_list(db_session, user) == [7]
    assert queries.replace_anime_list(db_session, user, []) == 0
    assert queries.get_anime_list(db_session, user) == []


def test_upsert_keeps_max_times_sticky_like_and_first_model(db_session):
    user = queries.get_or_create_user(db_session, "ann")
    kwargs: dict[str, Any] = dict(song_id="s1", total_video_time=90.0)
    first = queries.upsert_feedback(
        db_session, user, recommended_by="tfidf", watch_time=40.0, liked=True, **kwargs
    )
    row = queries.upsert_feedback(
        db_session, user, recommended_by="popular", watch_time=10.0, liked=False, **kwargs
    )
    assert (row.id, row.watch_time, row.liked, row.recommended_by) == (
        first.id,
        40.0,
        True,
        "tfidf",
    )
    row = queries.upsert_feedback(
        db_session,
        user,
        recommended_by="popular",
        watch_time=70.0,
        liked=False,
        song_id="s1",
        total_video_time=95.0,
    )
    assert (row.watch_time, row.total_video_time, row.liked) == (70.0, 95.0, True)
    assert row.updated_at >= row.created_at
    assert [f.song_id for f in queries.get_feedback(db_session, user)] == ["s1"]


def test_concurrent_upserts_leave_one_row_with_the_max_and_the_like(database_url):
    """Committed data: 50 threads, each its own connection, released at once by a barrier."""
    engine = make_engine(database_url, poolclass=NullPool)
    sessions = make_sessionmaker(engine)
    username, workers = f"racer-{uuid.uuid4().hex[:8]}", 50
    barrier = threading.Barrier(workers)
    watch_times = [float(i) for i in range(workers)]

    def report(i: int) -> None:
        with sessions() as session:
            session.connection()  # connect before the barrier, so the statements collide
            barrier.wait(timeout=30)
            user = queries.get_or_create_user(session, username)
            queries.upsert_feedback(
                session,
                user,
                song_id="s7",
                recommended_by="minilm",
                watch_time=watch_times[i],
                total_video_time=100.0,
                liked=(i == 17),
            )
            session.commit()

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(report, range(workers)))
        with Session(engine) as session:
            user = queries.get_user(session, username)
            assert user is not None
            rows = queries.get_feedback(session, user)
        assert len(rows) == 1
        assert rows[0].watch_time == max(watch_times)
        assert rows[0].liked is True
    finally:
        engine.dispose()


def test_log_playlist_writes_impressions_without_waiting_for_the_wal_flush(db_session):
    from sqlalchemy import text

    user = queries.get_or_create_user(db_session, "ann")
    playlist_id = uuid.uuid4()
    queries.log_playlist(
        db_session,
        playlist_id=playlist_id,
        user_id=user.id,
        bundle_version="v1",
        model_order=["tfidf", "popular"],
        seed=7,
        params={"relations": None},
        items=[("s1", 0, "tfidf"), ("s2", 1, "popular")],
    )
    # SET LOCAL travelled with the insert: this transaction commits asynchronously
    assert db_session.scalar(text("SHOW synchronous_commit")) == "off"
    rows = db_session.execute(
        text(
            "SELECT song_id, position, recommended_by FROM impressions "
            "WHERE playlist_id = :id ORDER BY position"
        ),
        {"id": playlist_id},
    ).all()
    assert [tuple(r) for r in rows] == [("s1", 0, "tfidf"), ("s2", 1, "popular")]
    inputs = queries.playlist_inputs(db_session, "ann")
    assert inputs.user_id == user.id and inputs.feedback == [] and inputs.anime_list == []
    queries.upsert_feedback(
        db_session,
        user,
        song_id="s1",
        recommended_by="tfidf",
        watch_time=30.0,
        total_video_time=60.0,
        liked=True,
    )
    inputs = queries.playlist_inputs(db_session, "ann")
    assert inputs.feedback == [("s1", True, 30.0, 60.0)]
    assert inputs.feedback[0].watch_time == 30.0


def test_a_pooled_connection_killed_while_idle_is_replaced_not_failed(database_url, monkeypatch):
    from sqlalchemy import text

    from animusic_serving.db import session as db_session_module

    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            first_pid = conn.scalar(text("SELECT pg_backend_pid()"))
        with engine.connect() as conn:  # in steady use: the same connection, no ping needed
            assert conn.scalar(text("SELECT pg_backend_pid()")) == first_pid
        killer = make_engine(database_url, poolclass=NullPool)
        with killer.connect() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:p)"), {"p": first_pid})
        killer.dispose()
        monkeypatch.setattr(db_session_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        with engine.connect() as conn:  # idle "long enough": pinged, found dead, replaced
            assert conn.scalar(text("SELECT pg_backend_pid()")) != first_pid
    finally:
        engine.dispose()
