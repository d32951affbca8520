"""The bot's deployment: a compose service (valid against the Compose spec's schema in
../shared, when present), and a clear one-line refusal without a token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO.parent / "shared" / "schemas" / "compose-spec.json"


def test_compose_file_is_valid_and_has_the_bot():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    bot = compose["services"]["bot"]
    assert bot["command"] == ["python", "-m", "animusic_bot"]
    assert bot["profiles"] == ["telegram"]  # only with a token: --profile telegram
    assert bot["environment"]["ANIMUSIC_API_URL"] == "http://api:8000"
    assert "bot_state" in compose["volumes"]
    if not SCHEMA.is_file():
        pytest.skip("../shared/schemas/compose-spec.json is absent")
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(compose, json.loads(SCHEMA.read_text()))


def test_no_token_is_one_line_and_exit_2():
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    proc = subprocess.run(
        [sys.executable, "-m", "animusic_bot"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: TELEGRAM_BOT_TOKEN is required (from @BotFather)"
