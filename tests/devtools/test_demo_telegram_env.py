"""`make run` hands the API the Telegram bot's name only while it starts the bot, so the page
never offers a link code for a bot that does not run."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import pytest

from animusic_devtools.demo.context import Paths, RunContext
from animusic_devtools.demo.steps import environment


@pytest.mark.parametrize(("token", "passed_on"), [("123:abc", True), ("", False), (None, False)])
def test_bot_username_reaches_the_api_only_with_a_bot(tmp_path, monkeypatch, token, passed_on):
    monkeypatch.setenv("ANIMUSIC_TELEGRAM_BOT_USERNAME", "AnimusicTestBot")
    if token is None:
        monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    else:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    ctx = RunContext(args=argparse.Namespace(), paths=Paths(tmp_path))
    ctx.pg = SimpleNamespace(port=5999)  # type: ignore[assignment]
    ctx.paths.dagster_home.mkdir(parents=True)
    environment.prepare(ctx)
    assert ("ANIMUSIC_TELEGRAM_BOT_USERNAME" in ctx.env) is passed_on
