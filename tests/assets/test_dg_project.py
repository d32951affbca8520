"""The code location is a dg project: `dg check defs` loads every module under defs/."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DG = Path(sys.executable).parent / "dg"


@pytest.mark.skipif(not DG.exists(), reason="dagster-dg-cli is not installed in this venv")
def test_dg_check_defs_passes(tmp_path):
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "VIRTUAL_ENV": str(REPO / ".venv"),
        "ANIMUSIC_MODE": "snapshot",
    }
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    done = subprocess.run(
        [str(DG), "check", "defs"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All definitions loaded successfully" in done.stdout + done.stderr
