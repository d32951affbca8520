"""Webhook mode: the bot registers its URL and secret with (fake) Telegram, answers an update
posted to it, and refuses one without the secret."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from tests.bot.fake_telegram import FakeTelegram
from tests.serving.live_server import REPO

TOKEN = "654321:WEBHOOK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_webhook_mode(tmp_path):
    telegram = FakeTelegram(TOKEN)
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANIMUSIC_", "TELEGRAM_"))}
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": telegram.url,
            "ANIMUSIC_API_URL": f"http://127.0.0.1:{_free_port()}",
            "ANIMUSIC_BOT_STATE": str(tmp_path / "state.json"),
            "ANIMUSIC_BOT_WEBHOOK_URL": url,
            "ANIMUSIC_BOT_WEBHOOK_PORT": str(port),
            "ANIMUSIC_BOT_WEBHOOK_SECRET": "s3cret-token",
            "PYTHONPATH": str(REPO),
        }
    )
    with open(tmp_path / "bot.log", "wb") as log:
        bot = subprocess.Popen(
            [sys.executable, "-m", "animusic_bot"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while telegram.webhook is None and time.monotonic() < deadline:
            assert bot.poll() is None, (tmp_path / "bot.log").read_text()
            time.sleep(0.1)
        assert telegram.webhook is not None
        assert telegram.webhook["url"] == url
        assert telegram.webhook["secret_token"] == "s3cret-token"
        update = {
            "update_id": 1,
            "message": {
                "message_id": 5,
                "date": int(time.time()),
                "text": "/help",
                "chat": {"id": 99, "type": "private"},
                "from": {"id": 99, "is_bot": False, "first_name": "L"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        forged = httpx.post(
            url, content=json.dumps(update), headers={"Content-Type": "application/json"}
        )
        assert forged.status_code == 403
        posted = httpx.post(
            url,
            content=json.dumps(update),
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": "s3cret-token",
            },
        )
        assert posted.status_code == 200
        (reply,) = telegram.wait_for(1, since=0)
        assert reply["chat_id"] == 99 and "/radio" in reply["text"]
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=20)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait(timeout=10)
        telegram.stop()
