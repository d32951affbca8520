"""Holds the bundle being served and swaps in a newly published one without a restart.

Requests call ``get()``. At most every ``poll_seconds`` one of them reads ``CURRENT``; if the
version changed it loads the new bundle and swaps the reference (one attribute assignment, so
a request sees either the old or the new bundle, never a mix). Requests that arrive while a
load is in progress keep getting the old bundle instead of waiting. A failed load keeps the
old bundle and logs; the same broken version is retried only after ``RETRY_FAILED_SECONDS``.

A version is loaded with its manifest checksums verified (``verify_and_load``): a file changed
after publishing (NaNs written into a vector file of the right size) is refused. This runs in
the worker thread of the one request that noticed the new version (every other request keeps
being served from the old bundle meanwhile) or at start-up, never per request.

``last_failure`` keeps the last failed swap (version, reason, when) while an older bundle is
still served; ``/health/ready`` reports it as "degraded". A successful swap, or ``CURRENT``
naming the served version again, clears it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from animusic_serving.bundle import Bundle, BundleError, load_bundle, read_current

log = logging.getLogger(__name__)
RETRY_FAILED_SECONDS = 60.0


def verify_and_load(root: str | Path, version: str) -> Bundle:
    """Load ``version`` after checking every file against the manifest's SHA-256."""
    return load_bundle(root, version, verify=True)


@dataclass(frozen=True)
class SwapFailure:
    version: str | None  # None: CURRENT itself could not be read
    reason: str
    at: float  # time.time() of the failure


class BundleHolder:
    def __init__(
        self,
        root: str | Path,
        poll_seconds: float = 2.0,
        loader: Callable[..., Bundle] = verify_and_load,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.root = Path(root)
        self.poll_seconds = poll_seconds
        self._loader = loader
        self._clock = clock
        self._bundle: Bundle | None = None
        self._reason: str | None = "bundle not loaded yet"
        self._last_check = float("-inf")
        self._failed: tuple[str, float] | None = None  # (version, when) of the last bad load
        self._last_warning: str | None = None
        self._last_failure: SwapFailure | None = None
        self._lock = threading.Lock()

    @property
    def last_failure(self) -> SwapFailure | None:
        """The last swap that failed while a bundle was being served (None since a good one)."""
        return self._last_failure

    @property
    def reason(self) -> str | None:
        """Why no bundle is being served (None while one is)."""
        return self._reason

    @property
    def current(self) -> Bundle | None:
        """The bundle being served, without checking ``CURRENT``."""
        return self._bundle

    def check_due(self) -> bool:
        return self._clock() - self._last_check >= self.poll_seconds

    def get(self) -> Bundle | None:
        if self._clock() - self._last_check >= self.poll_seconds:
            self.refresh()
        return self._bundle

    def refresh(self) -> None:
        """Check ``CURRENT`` now and load it if it names a new version."""
        if not self._lock.acquire(blocking=False):
            return  # another request is checking; serve what we have meanwhile
        try:
            self._last_check = self._clock()
            self._refresh_locked()
        finally:
            self._lock.release()

    def _refresh_locked(self) -> None:
        try:
            version = read_current(self.root)
        except BundleError as exc:
            return self._fail(str(exc), None)
        except OSError as exc:
            return self._fail(f"cannot read {self.root / 'CURRENT'}: {exc.strerror or exc}", None)
        if version is None:
            return self._fail(f"no bundle published yet ({self.root / 'CURRENT'} is missing)", None)
        if self._bundle is not None and self._bundle.version == version:
            self._last_failure = None
            return
        if (
            self._failed
            and self._failed[0] == version
            and self._clock() - self._failed[1] < RETRY_FAILED_SECONDS
        ):
            return
        try:
            bundle = self._loader(self.root, version)
        except Exception as exc:  # a bundle is data from elsewhere: never let it crash serving
            reason = str(exc) if isinstance(exc, BundleError) else f"{type(exc).__name__}: {exc}"
            self._failed = (version, self._clock())
            return self._fail(f"bundle {version} failed to load: {reason}", version)
        self._bundle, self._reason, self._failed = bundle, None, None
        self._last_failure = self._last_warning = None
        log.info(
            "serving bundle %s (%d songs, models: %s)",
            bundle.version,
            bundle.n_songs,
            ", ".join(bundle.model_names),
        )

    def _fail(self, reason: str, version: str | None) -> None:
        if self._bundle is not None:
            self._last_failure = SwapFailure(version, reason, time.time())
            # keep serving the bundle we have; say so once per distinct problem
            if reason != self._last_warning:
                log.warning("%s; still serving bundle %s", reason, self._bundle.version)
                self._last_warning = reason
            return
        if reason != self._reason:
            log.error("no bundle to serve: %s", reason)
        self._reason = reason
