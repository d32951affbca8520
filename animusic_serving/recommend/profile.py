"""A user's profile: which songs define their taste, which are never shown again, which anime
they turned away from.

* positive: liked, or watched for at least half of the video (``is_positive``);
* skip set: every song the user has any feedback for;
* anime favourability: +1 per positive row, -1 per other row; a negative total blacklists the
  anime;
* cold start (no positives): songs of anime on the user's imported list, sampled at random,
  stand in as positives and are excluded from the playlist themselves. The sample is seeded by
  (username, day), so reloading the page gives the same playlist basis all day. A user with
  neither a list nor positives gets seeds sampled from the most popular songs instead (the
  catalogue's best-known songs are the least surprising stand-in for an unknown taste).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

COLD_START_K = 20  # seeds standing in for positives
POPULAR_POOL = 100  # no list either: seeds come from this many most popular songs
POSITIVE_WATCH_FRACTION = 0.5


class FeedbackLike(Protocol):
    # read-only properties: a frozen dataclass or a NamedTuple satisfies them
    @property
    def song_id(self) -> str: ...
    @property
    def liked(self) -> bool: ...
    @property
    def watch_time(self) -> float: ...
    @property
    def total_video_time(self) -> float: ...


@dataclass(frozen=True)
class FeedbackRow:
    song_id: str
    liked: bool = False
    watch_time: float = 0.0
    total_video_time: float = 0.0


@dataclass(frozen=True)
class Profile:
    positive_rows: np.ndarray  # rows whose vectors define the taste (positives or seeds)
    skip_rows: np.ndarray  # rows with feedback: never shown again
    blacklisted_anime: np.ndarray  # anime ids with negative favourability
    seed_rows: np.ndarray  # cold-start stand-ins: excluded from the playlist
    cold_start: str | None = None  # None, "anime_list" or "popular"
    # MAL ids on the imported list (minus blacklisted anime), with or without positives: the
    # collaborative ``lists`` model reads them next to the positives' anime
    listed_anime: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


def is_positive(liked: bool, watch_time: float, total_video_time: float) -> bool:
    return bool(liked) or (
        total_video_time > 0 and watch_time >= POSITIVE_WATCH_FRACTION * total_video_time
    )


def user_day_seed(username: str, day: dt.date) -> int:
    """A seed stable across processes and restarts (Python's hash() is salted per process)."""
    digest = hashlib.sha256(f"{username}\x00{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def build_profile(
    feedback: Iterable[FeedbackLike],
    row_of: Callable[[str], int | None],
    anime_ids: np.ndarray,
    *,
    anime_list: Iterable[int] = (),
    username: str = "",
    day: dt.date | None = None,
    popularity: np.ndarray | None = None,
    k: int = COLD_START_K,
) -> Profile:
    """``row_of`` maps a song id to its bundle row (None when the bundle lacks the song);
    ``anime_ids`` is the anime (MAL id) of every row; ``popularity`` is higher-is-better."""
    anime_ids = np.asarray(anime_ids)
    rows, positive = [], []
    for item in feedback:  # one entry per feedback row: a user's history, not the catalogue
        row = row_of(str(item.song_id))
        if row is not None:  # songs dropped from the catalogue can be neither shown nor scored
            rows.append(row)
            positive.append(is_positive(item.liked, item.watch_time, item.total_video_time))
    rows_arr = np.asarray(rows, dtype=np.int64)
    positive_arr = np.asarray(positive, dtype=bool)
    skip_rows = np.unique(rows_arr)
    blacklisted = _blacklisted_anime(anime_ids[rows_arr], positive_arr)
    positive_rows = np.unique(rows_arr[positive_arr])
    on_list = np.unique(np.fromiter((int(a) for a in anime_list), dtype=np.int64))
    listed = np.setdiff1d(on_list, blacklisted) if blacklisted.size else on_list
    if positive_rows.size:
        return Profile(
            positive_rows, skip_rows, blacklisted, np.empty(0, np.int64), listed_anime=listed
        )

    rng = np.random.default_rng(user_day_seed(username, day or dt.date.today()))
    pool = np.flatnonzero(np.isin(anime_ids, on_list))
    source = "anime_list"
    if not pool.size:
        pool, source = _most_popular(popularity, len(anime_ids)), "popular"
    unseen = np.setdiff1d(pool, skip_rows)
    pool = unseen if unseen.size else pool  # everything seen: it still says who you are
    seeds = np.sort(rng.choice(pool, size=min(k, pool.size), replace=False)).astype(np.int64)
    return Profile(seeds, skip_rows, blacklisted, seeds, source, listed_anime=listed)


def _blacklisted_anime(anime_of_rows: np.ndarray, positive: np.ndarray) -> np.ndarray:
    if not anime_of_rows.size:
        return np.empty(0, dtype=np.int64)
    anime, inverse = np.unique(anime_of_rows, return_inverse=True)
    favourability = np.bincount(inverse, weights=np.where(positive, 1.0, -1.0))
    return anime[favourability < 0]


def _most_popular(popularity: np.ndarray | None, n: int) -> np.ndarray:
    """The POPULAR_POOL most popular rows (all rows when there are few or no scores)."""
    if popularity is None or n <= POPULAR_POOL:
        return np.arange(n, dtype=np.int64)
    return np.argpartition(-np.asarray(popularity), POPULAR_POOL - 1)[:POPULAR_POOL]
