"""The Telegram bot end to end: ``python -m animusic_bot`` (a real process, long polling)
against the fake Telegram Bot API, talking to the real API (``python -m animusic_serving``
on a real PostgreSQL) with a stand-in AniList. One whole conversation: help, not linked yet,
link with a one-time code, import, playlist, like, skip, Telegram's flood control, radio
(empty, no match, a pick list, an exact title), an unknown command, and the API going away.

Set ANIMUSIC_TRANSCRIPT_OUT=<file> to keep the conversation as markdown (the README's)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from animusic_serving.db.session import make_engine
from animusic_serving.recommend import PLAYLIST_MODELS
from tests.bot.fake_telegram import FakeTelegram
from tests.serving.conftest import SESSION_SECRET, publish_synthetic
from tests.serving.live_server import REPO, LiveServer
from tests.serving.stubs import SiteStub

TOKEN = "123456:TEST-TOKEN"
CHAT = 777


class Conversation:
    def __init__(self, telegram: FakeTelegram):
        self.telegram = telegram
        self.lines: list[str] = []

    def say(self, text: str, replies: int = 1) -> list[dict]:
        since = len(self.telegram.sent)
        self.telegram.send_text(CHAT, text)
        self.lines.append(f"**you:** {text}")
        return self._collect(since, replies)

    def press(self, message: dict, kind: str, replies: int = 1, index: int = 0) -> list[dict]:
        """Press the button ``kind`` ("like", "pick" ...; the ``index``-th of that kind)."""
        button = [b for b in message["buttons"] if b["callback_data"].startswith(kind + ":")]
        label, data = button[index]["text"], button[index]["callback_data"]
        since = len(self.telegram.sent)
        self.telegram.press(CHAT, message, data)
        self.lines.append(f"**you:** *[{label}]*")
        return self._collect(since, replies)

    def _collect(self, since: int, replies: int) -> list[dict]:
        got = self.telegram.wait_for(replies, since)
        for message in got:
            shown = re.sub(r"<[^>]+>", "", message["text"]).replace("\n", "  \n  ")
            buttons = " ".join(f"[{b['text']}]" for b in message["buttons"])
            self.lines.append(f"**bot:** {shown}" + (f"  \n  {buttons}" if buttons else ""))
        return got


@pytest.fixture
def system(postgres, tmp_path):
    database_url = postgres.create_database("bot_conversation")
    from animusic_serving.db.migrate import upgrade

    upgrade(database_url)
    root = tmp_path / "bundles"
    publish_synthetic(root, version="v1", n_anime=8, songs_per_anime=4)
    stub = SiteStub()
    stub.anilist_lists = {
        "ann_on_anilist": [
            {"status": "COMPLETED", "media": {"id": 10 + m, "idMal": m}} for m in (1, 2, 3)
        ]
    }
    env = {
        "ANIMUSIC_DEV_MODE": "1",
        "ANIMUSIC_SESSION_SECRET": SESSION_SECRET,
        **{f"ANIMUSIC_{k.upper()}": str(v) for k, v in stub.settings().items()},
    }
    api = LiveServer(database_url, root, tmp_path / "api.log", env=env)
    telegram = FakeTelegram(TOKEN)
    state = tmp_path / "bot" / "state.json"
    bot_env = {k: v for k, v in os.environ.items() if not k.startswith(("ANIMUSIC_", "TELEGRAM_"))}
    bot_env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": telegram.url,
            "ANIMUSIC_API_URL": api.url,
            "ANIMUSIC_BOT_STATE": str(state),
            "ANIMUSIC_BOT_RETRY_SECONDS": "0.1",
            "ANIMUSIC_BOT_POLL_TIMEOUT": "1",
            "PYTHONPATH": str(REPO),
        }
    )
    with open(tmp_path / "bot.log", "wb") as log:  # the child keeps its own copy
        bot = subprocess.Popen(
            [sys.executable, "-m", "animusic_bot"],
            cwd=REPO,
            env=bot_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield {
            "api": api,
            "telegram": telegram,
            "state": state,
            "db": database_url,
            "bot_log": tmp_path / "bot.log",
        }
    finally:
        bot.send_signal(signal.SIGTERM)  # by PID: run_polling stops cleanly on SIGTERM
        try:
            bot.wait(timeout=20)
        except subprocess.TimeoutExpired:
            bot.kill()
            bot.wait(timeout=10)
        api.stop()
        telegram.stop()
        stub.close()


def _feedback(database_url: str) -> dict[str, tuple[bool, float]]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT f.song_id, f.liked, f.watch_time FROM feedback f "
                "JOIN users u ON u.id = f.user_id WHERE u.username = 'ann'"
            )
        ).all()
    engine.dispose()
    return {r.song_id: (r.liked, r.watch_time) for r in rows}


def test_a_whole_conversation(system):
    chat = Conversation(system["telegram"])
    api_url = system["api"].url

    assert "/radio" in chat.say("/help")[0]["text"]
    assert "not linked" in chat.say("/playlist")[0]["text"]
    assert "not a link code" in chat.say("/start hello")[0]["text"]

    code = httpx.post(f"{api_url}/link/code", params={"anilist_username": "ann"}).json()["code"]
    assert "Linked to <b>ann</b>" in chat.say(f"/start {code}")[0]["text"]
    assert "used or expired" in chat.say(f"/start {code}")[0]["text"]  # one use only
    state = system["state"]
    assert (
        oct(state.stat().st_mode & 0o777) == "0o600"
        and "session_token" not in state.read_text()
        and '"username": "ann"' in state.read_text()
    )

    assert "Imported 3 anime" in chat.say("/import ann_on_anilist")[0]["text"]
    assert "Usage" in chat.say("/import")[0]["text"]

    card = chat.say("/playlist")[0]
    assert re.search(r"<i>\[(" + "|".join(PLAYLIST_MODELS) + r")\]</i>", card["text"])
    assert "▶ listen" in card["text"]
    assert [re.sub(r":\d+:", ":v:", b["callback_data"]) for b in card["buttons"]] == [
        "like:v:0",
        "skip:v:0",
        "next:v:0",
    ]
    liked_song = re.search(r"🎵 <b>(Song \d+)</b>", card["text"]).group(1)

    second = chat.press(card, "like")[0]
    assert second["buttons"][0]["callback_data"].endswith(":1")
    third = chat.press(second, "skip")[0]
    feedback = _feedback(system["db"])
    assert len(feedback) == 2
    assert sorted(feedback.values()) == [(False, 0.0), (True, 0.0)]
    assert f"s{liked_song.split()[1]}" in feedback and feedback[f"s{liked_song.split()[1]}"][0]
    # the press is answered after the next card is sent: wait for the answer, not the card
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not {"👍 liked", "👎 skipped"} <= {
        a.get("text") for a in system["telegram"].answers
    }:
        time.sleep(0.05)
    assert {"👍 liked", "👎 skipped"} <= {a.get("text") for a in system["telegram"].answers}

    system["telegram"].flood_next = 1  # Telegram's flood control: waited out, then sent
    fourth = chat.press(third, "next")[0]
    assert fourth["buttons"][0]["callback_data"].endswith(":3")
    after_next = _feedback(system["db"])  # "next": recorded as opened, 0 s, no like
    assert len(after_next) == 3 and sorted(after_next.values()).count((False, 0.0)) == 2

    assert "Tell me where to start" in chat.say("/radio")[0]["text"]
    assert "No song matches" in chat.say("/radio zzzqqq")[0]["text"]
    picks = chat.say("/radio Anime 2")[0]  # "2" is in many titles: a pick list
    assert picks["text"] == "Which one do you mean?" and len(picks["buttons"]) >= 2
    picked_anime = picks["buttons"][0]["text"].split(" — ")[1].split(" (")[0]
    started, first_radio = chat.press(picks, "pick", replies=2)
    assert started["text"].startswith("📻 Radio from <b>Song")
    assert f"{picked_anime} ·" not in first_radio["text"]  # radio: songs of other anime
    exact = chat.say("/radio Song 7", replies=2)
    assert exact[0]["text"].startswith("📻 Radio from <b>Song 7</b>")

    # a card of the old playlist: its slot now holds a radio song, the press must not like it
    answers = len(system["telegram"].answers)
    chat.press(fourth, "like", replies=0)
    deadline = time.monotonic() + 20
    while len(system["telegram"].answers) == answers and time.monotonic() < deadline:
        time.sleep(0.05)
    assert system["telegram"].answers[-1].get("text") == "That button is out of date."
    assert len(_feedback(system["db"])) == 3

    assert "I don't know /frobnicate" in chat.say("/frobnicate")[0]["text"]
    assert "I answer commands" in chat.say("hello there")[0]["text"]

    system["api"].stop()  # the API goes away: retried, then one line
    assert (
        chat.say("/playlist")[0]["text"]
        == "Animusic is not reachable right now; try again in a minute."
    )
    assert "Traceback" not in system["bot_log"].read_text()

    out = os.environ.get("ANIMUSIC_TRANSCRIPT_OUT")
    if out:
        Path(out).write_text("\n\n".join(chat.lines) + "\n")
