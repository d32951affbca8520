"""A seeded, hand-checkable feedback/impressions data set for the analytics tests.

tfidf, user A (ua): a1 0.5 watched, a2 203/200 s liked (ratio capped at 1), a3 shown never
played, a4 liked with no duration (0/0); user B (ub): b1 0 s of 180 (skipped), b2 reported
without an impression (feedback only, 60/120, liked). random: r1 (A) 20/200, r2 (B) shown
only; a1 is shown a second time by random (a repeat impression of an item tfidf owns).
"""

import datetime as dt

import pandas as pd

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
UA, UB = 1, 2
P = {name: f"00000000-0000-0000-0000-00000000000{i}" for i, name in enumerate("pqrstu", 1)}


def t(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


# (playlist, user, song, position, model, minute)
IMPRESSIONS = pd.DataFrame(
    [
        (P["p"], UA, "a1", 0, "tfidf", 1),
        (P["p"], UA, "r1", 1, "random", 1),
        (P["q"], UA, "a2", 0, "tfidf", 2),
        (P["r"], UA, "a3", 0, "tfidf", 3),
        (P["s"], UA, "a4", 0, "tfidf", 4),
        (P["t"], UB, "b1", 0, "tfidf", 1),
        (P["t"], UB, "r2", 1, "random", 1),
        (P["u"], UA, "a1", 1, "random", 5),
    ],
    columns=["playlist_id", "user_id", "song_id", "position", "recommended_by", "minute"],
)
IMPRESSIONS["created_at"] = IMPRESSIONS.pop("minute").map(t)

# (user, song, model, watch, total, liked, minute)
FEEDBACK = pd.DataFrame(
    [
        (UA, "a1", "tfidf", 100.0, 200.0, False, 1),
        (UA, "a2", "tfidf", 203.0, 200.0, True, 2),
        (UA, "a4", "tfidf", 0.0, 0.0, True, 4),
        (UB, "b1", "tfidf", 0.0, 180.0, False, 1),
        (UB, "b2", "tfidf", 60.0, 120.0, True, 3),
        (UA, "r1", "random", 20.0, 200.0, False, 1),
    ],
    columns=[
        "user_id",
        "song_id",
        "recommended_by",
        "watch_time",
        "total_video_time",
        "liked",
        "minute",
    ],
)
FEEDBACK["created_at"] = FEEDBACK.pop("minute").map(t)


def insert_into(conn) -> None:
    """Write the data set into a migrated API database (users, playlists, impressions,
    feedback) through plain SQL."""
    from sqlalchemy import text

    conn.execute(
        text(
            "INSERT INTO users (id, username) OVERRIDING SYSTEM VALUE VALUES (:a, 'ua'), (:b, 'ub')"
        ),
        {"a": UA, "b": UB},
    )
    owners = IMPRESSIONS.drop_duplicates("playlist_id")
    for row in owners.itertuples():
        conn.execute(
            text(
                "INSERT INTO playlists (id, user_id, bundle_version, model_order, seed, "
                "created_at) VALUES (CAST(:id AS uuid), :u, 'v1', "
                "ARRAY['tfidf','random'], 1, :at)"
            ),
            {"id": row.playlist_id, "u": row.user_id, "at": row.created_at},
        )
    for row in IMPRESSIONS.itertuples():
        conn.execute(
            text(
                "INSERT INTO impressions (playlist_id, user_id, song_id, position, "
                "recommended_by, created_at) VALUES (CAST(:p AS uuid), :u, :s, :pos, "
                ":m, :at)"
            ),
            {
                "p": row.playlist_id,
                "u": row.user_id,
                "s": row.song_id,
                "pos": row.position,
                "m": row.recommended_by,
                "at": row.created_at,
            },
        )
    for row in FEEDBACK.itertuples():
        conn.execute(
            text(
                "INSERT INTO feedback (user_id, song_id, recommended_by, watch_time, "
                "total_video_time, liked, created_at, updated_at) VALUES "
                "(:u, :s, :m, :w, :tt, :l, :at, :at)"
            ),
            {
                "u": row.user_id,
                "s": row.song_id,
                "m": row.recommended_by,
                "w": row.watch_time,
                "tt": row.total_video_time,
                "l": row.liked,
                "at": row.created_at,
            },
        )


# --------------------------------------------------------------------------- a bigger set
# What `make run` gives the reports, small enough for a test: simulated listeners (names
# with the simulator's marker) over seeded playlists. Like probabilities per model, hybrid's
# rising with exposure, so the answers have something to find.
LIKE_P = {"hybrid": (0.25, 0.04), "tfidf": (0.3, 0.0), "popular": (0.2, 0.0), "random": (0.05, 0.0)}


def simulated_frames(n_users: int = 20, playlists: int = 8, seed: int = 0, prefix: str = "sim_"):
    """(users, impressions, feedback) frames; every user gets ``playlists`` playlists with
    one song per model, reports a watch time for every song and likes with LIKE_P."""
    import numpy as np

    rng = np.random.default_rng(seed)
    users = pd.DataFrame(
        {"user_id": range(101, 101 + n_users), "username": [f"{prefix}{i}" for i in range(n_users)]}
    )
    imp, fb = [], []
    for u in users["user_id"]:
        for p in range(playlists):
            pid = f"00000000-0000-0000-{u:04d}-{p:012d}"
            for pos, (model, (base, rise)) in enumerate(LIKE_P.items()):
                song, at = f"{model}-{u}-{p}", t(10 * p + pos)
                liked = bool(rng.random() < min(0.95, base + rise * p))
                total = 200.0
                watch = total if liked else float(rng.integers(0, 60))
                imp.append((pid, int(u), song, pos, model, at))
                fb.append((int(u), song, model, watch, total, liked, at))
    impressions = pd.DataFrame(
        imp,
        columns=["playlist_id", "user_id", "song_id", "position", "recommended_by", "created_at"],
    )
    feedback = pd.DataFrame(
        fb,
        columns=[
            "user_id",
            "song_id",
            "recommended_by",
            "watch_time",
            "total_video_time",
            "liked",
            "created_at",
        ],
    )
    return users, impressions, feedback


def insert_frames(
    conn, users: pd.DataFrame, impressions: pd.DataFrame, feedback: pd.DataFrame
) -> None:
    """Write frames shaped like ``simulated_frames``' into a migrated API database."""
    from sqlalchemy import text

    conn.execute(
        text("INSERT INTO users (id, username) OVERRIDING SYSTEM VALUE VALUES (:id, :name)"),
        [{"id": int(r.user_id), "name": r.username} for r in users.itertuples()],
    )
    owners = impressions.drop_duplicates("playlist_id")
    conn.execute(
        text(
            "INSERT INTO playlists (id, user_id, bundle_version, model_order, seed, "
            "created_at) VALUES (CAST(:id AS uuid), :u, 'v1', ARRAY['tfidf'], 1, :at)"
        ),
        [
            {"id": r.playlist_id, "u": int(r.user_id), "at": r.created_at}
            for r in owners.itertuples()
        ],
    )
    conn.execute(
        text(
            "INSERT INTO impressions (playlist_id, user_id, song_id, position, "
            "recommended_by, created_at) VALUES (CAST(:p AS uuid), :u, :s, :pos, "
            ":m, :at)"
        ),
        [
            {
                "p": r.playlist_id,
                "u": int(r.user_id),
                "s": r.song_id,
                "pos": r.position,
                "m": r.recommended_by,
                "at": r.created_at,
            }
            for r in impressions.itertuples()
        ],
    )
    conn.execute(
        text(
            "INSERT INTO feedback (user_id, song_id, recommended_by, watch_time, "
            "total_video_time, liked, created_at, updated_at) VALUES "
            "(:u, :s, :m, :w, :tt, :l, :at, :at)"
        ),
        [
            {
                "u": int(r.user_id),
                "s": r.song_id,
                "m": r.recommended_by,
                "w": r.watch_time,
                "tt": r.total_video_time,
                "l": r.liked,
                "at": r.created_at,
            }
            for r in feedback.itertuples()
        ],
    )
