"""One run per checkout: a second `make run` (or `make smoke`) while one runs refuses to start.

Without it, the second run found the first one's PostgreSQL running, reused it, and stopped it
on its way out — killing the first run's database. The lock is an ``flock`` on
``<data>/run/demo.lock``, which holds the owner's pid: the kernel drops it when the owner
exits however it exits, so a crashed run never leaves a stale lock behind. Children do not
inherit it (``subprocess`` closes other descriptors).
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path


class AlreadyRunning(Exception):
    def __init__(self, pid: int | None):
        self.pid = pid
        shown = pid if pid is not None else "unknown"
        super().__init__(f"already running: pid {shown}, stop it with make stop")


class RunLock:
    """Held from :meth:`acquire` until :meth:`release` or the process ends."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock and write our pid into it; :class:`AlreadyRunning` when it is held."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(self._holder()) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def _holder(self) -> int | None:
        """The holder's pid; it may not have written it yet, so look again for a moment."""
        for _ in range(20):
            try:
                return int(self.path.read_text().strip())
            except (OSError, ValueError):
                time.sleep(0.05)
        return None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
