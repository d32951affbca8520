"""What every part of a run uses: the checkout's root, the run's clock, its error, its log line."""

from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
T0 = time.monotonic()


class DemoError(Exception):
    """Something failed; the message says what (one line), the caller stops everything."""


def say(msg: str) -> None:
    print(f"[run +{time.monotonic() - T0:5.1f}s] {msg}", flush=True)
