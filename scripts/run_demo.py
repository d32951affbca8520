#!/usr/bin/env python3
"""`make run` / `make smoke` / `make stop`: the supervisor is ``animusic_devtools.demo``
(its steps in ``animusic_devtools/demo/steps/``); this is its entry point at the path the
Makefile, CI and the README use. Standard library only, so ``--stop`` works without a venv.

    python scripts/run_demo.py            # run until Ctrl-C
    python scripts/run_demo.py --smoke    # start, fetch one playlist (>= 3 items), stop
    python scripts/run_demo.py --stop     # stop what a previous run left behind
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from animusic_devtools.demo.supervisor import main

if __name__ == "__main__":
    sys.exit(main())
