"""Per-host token bucket + daily cap + ban cooldown, persisted in SQLite.

State lives in one SQLite file; every acquire is a ``BEGIN IMMEDIATE`` transaction, so the
limits hold across threads, processes (concurrent Dagster runs) and restarts. No Dagster here.

Creating the file is serialised with an advisory ``flock`` on ``<file>.init-lock``: switching a
new database to WAL needs an exclusive lock, and SQLite answers "database is locked" at once
(without waiting out the busy timeout) when two processes do it at the same moment, which is
what two workers started together used to hit. WAL is a property of the file, so later
connections need no pragma at all.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class DailyCapReached(RuntimeError):
    """The host's daily request cap is used up (resets at UTC midnight)."""


class HostBlocked(RuntimeError):
    """The host banned us (or asked us to stay away) and its cooldown has not passed."""


@dataclass(frozen=True)
class HostLimit:
    rate_per_s: float  # sustained requests per second
    daily_cap: int | None = None
    burst: float = 1.0  # 1 = strict spacing of 1/rate between requests


class RateLimiter:
    def __init__(
        self,
        db_path: str | Path,
        limits: dict[str, HostLimit],
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.db_path, self.limits, self.clock, self.sleep = Path(db_path), limits, clock, sleep
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.db_path.with_name(self.db_path.name + ".init-lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            con = self._connect()
            try:
                con.execute("PRAGMA journal_mode=WAL")
                con.execute("BEGIN IMMEDIATE")
                con.execute(
                    "CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY, tokens REAL, "
                    "updated REAL, day TEXT, day_count INTEGER, blocked_until REAL, "
                    "reason TEXT)"
                )
                con.execute("COMMIT")
            finally:
                con.close()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.db_path, timeout=60, isolation_level=None)

    def acquire(self, host: str) -> None:
        """Block until one request to ``host`` is allowed; count it against the daily cap."""
        limit = self.limits[host]
        while True:
            wait = self._try_take(host, limit)
            if wait <= 0:
                return
            self.sleep(min(wait, 5.0))

    def _try_take(self, host: str, limit: HostLimit) -> float:
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            now, today = (
                self.clock(),
                dt.datetime.fromtimestamp(self.clock(), dt.UTC).date().isoformat(),
            )
            row = con.execute(
                "SELECT tokens, updated, day, day_count, blocked_until, reason FROM hosts "
                "WHERE host=?",
                (host,),
            ).fetchone()
            tokens, updated, day, count, blocked, reason = row or (
                limit.burst,
                now,
                today,
                0,
                0.0,
                None,
            )
            if blocked and blocked > now:
                con.execute("COMMIT")
                raise HostBlocked(f"{host} is blocked for {blocked - now:.0f} s more: {reason}")
            if day != today:
                day, count = today, 0
            if limit.daily_cap is not None and count >= limit.daily_cap:
                con.execute("COMMIT")
                raise DailyCapReached(f"{host}: daily cap of {limit.daily_cap} requests reached")
            tokens = min(limit.burst, tokens + max(0.0, now - updated) * limit.rate_per_s)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / limit.rate_per_s
            if wait <= 0:
                tokens, count = tokens - 1.0, count + 1
            con.execute(
                "INSERT OR REPLACE INTO hosts VALUES (?,?,?,?,?,?,?)",
                (host, tokens, now, day, count, blocked or 0.0, reason),
            )
            con.execute("COMMIT")
            return wait
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def block(self, host: str, seconds: float, reason: str) -> None:
        """Stop every process from contacting ``host`` for ``seconds`` (after a ban page)."""
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            now = self.clock()
            if con.execute("SELECT 1 FROM hosts WHERE host=?", (host,)).fetchone() is None:
                con.execute(
                    "INSERT INTO hosts VALUES (?,?,?,?,?,?,?)", (host, 0.0, now, "", 0, 0.0, None)
                )
            con.execute(
                "UPDATE hosts SET blocked_until=?, reason=? WHERE host=?",
                (now + seconds, reason, host),
            )
            con.execute("COMMIT")
        finally:
            con.close()

    def used_today(self, host: str) -> int:
        with self._connect() as con:
            row = con.execute("SELECT day, day_count FROM hosts WHERE host=?", (host,)).fetchone()
        today = dt.datetime.fromtimestamp(self.clock(), dt.UTC).date().isoformat()
        return int(row[1]) if row and row[0] == today else 0
