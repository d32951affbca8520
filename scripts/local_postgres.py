#!/usr/bin/env python3
"""CLI entry point kept at its old path (``make stop`` and ``.ci/run`` call it before the venv
exists); the harness itself is ``animusic_devtools.local_postgres``.

    python3 scripts/local_postgres.py start|stop|status --data-dir DIR [...]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from animusic_devtools.local_postgres import main

if __name__ == "__main__":
    sys.exit(main())
