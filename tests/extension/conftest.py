import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from client_fixtures import client_stack, playwright_driver  # noqa: E402,F401
