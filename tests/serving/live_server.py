"""Start the real service (``python -m animusic_serving``, uvicorn) on 127.0.0.1 and stop it
by its PID."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_live(proc, url: str, log_path, seconds: float = 60.0) -> None:
    """Poll ``url``/health/live until the API answers; fail fast if the process died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {log_path}")
        try:
            if httpx.get(url + "/health/live", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not start in {seconds:.0f} s; see {log_path}")


class LiveServer:
    def __init__(
        self,
        database_url: str,
        bundle_dir: Path,
        log_path: Path,
        env: dict | None = None,
        workers: int = 1,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("ANIMUSIC_")}
        full_env.update(
            {
                "ANIMUSIC_DATABASE_URL": database_url,
                "ANIMUSIC_BUNDLE_DIR": str(bundle_dir),
                "ANIMUSIC_BUNDLE_POLL_SECONDS": "0.2",
                **(env or {}),
            }
        )
        self._log = open(log_path, "wb")  # noqa: SIM115 (the server writes to it until stopped)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "animusic_serving",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_live(self.proc, self.url, log_path)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # by PID (Popen signals its own child only)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
