import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from client_fixtures import client_stack, playwright_driver  # noqa: F401
