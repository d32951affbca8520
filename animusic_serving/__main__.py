"""Run the API: ``python -m animusic_serving [--host 127.0.0.1] [--port 8000] [--workers 1]``.

Settings are validated before anything starts: a missing or invalid ``ANIMUSIC_*`` variable is
one line on stderr and exit status 2, not a traceback from inside a worker.
"""

from __future__ import annotations

import argparse
import os
import sys

from pydantic import ValidationError

from animusic_serving.api.settings import Settings, describe_settings_error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m animusic_serving", description=__doc__)
    # loopback by default: exposing the service is a deliberate choice (--host 0.0.0.0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    try:
        Settings()
    except ValidationError as exc:
        print(f"error: {describe_settings_error(exc)}", file=sys.stderr)
        return 2

    if args.workers > 1:
        # one BLAS thread per worker: N workers x N spinning BLAS threads on N cores fight
        # each other (measured: 2.3x fewer playlists/s on 2 cores). Set before any worker
        # imports numpy; an explicit setting wins.
        for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(variable, "1")

    import uvicorn  # only once the settings are known to be good

    uvicorn.run(
        "animusic_serving.api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
