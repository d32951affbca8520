"""The dependency direction of DESIGN.md, checked in a fresh interpreter."""

import json
import subprocess
import sys

CHECK = """
import json, sys
import {module}
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))
"""


def imported_top_level(module: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", CHECK.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return set(json.loads(out.stdout))


def test_the_api_never_imports_the_offline_half():
    loaded = imported_top_level("animusic_serving.api.app, animusic_serving.__main__")
    assert not loaded & {"dagster", "animusic_assets"}


def test_recommend_and_bundle_import_neither_fastapi_nor_sqlalchemy():
    loaded = imported_top_level("animusic_serving.recommend, animusic_serving.bundle")
    assert not loaded & {"fastapi", "starlette", "sqlalchemy", "dagster", "animusic_assets"}
