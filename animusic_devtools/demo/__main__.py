"""``python -m animusic_devtools.demo`` = ``scripts/run_demo.py``."""

import sys

from animusic_devtools.demo.supervisor import main

sys.exit(main())
