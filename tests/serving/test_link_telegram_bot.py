"""The Telegram link code names the bot that redeems it (``ANIMUSIC_TELEGRAM_BOT_USERNAME``),
or says that no bot runs with this server; the code itself works either way."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from animusic_serving.api.settings import Settings

USER = "linker"


def _settings(**values) -> Settings:
    return Settings(database_url="postgresql://u@127.0.0.1/db", bundle_dir="/tmp", **values)


def test_without_a_bot_the_code_still_works_and_says_no_bot(client_factory, bundle_root):
    with client_factory(bundle_root) as client:
        status = client.get("/link/status")
        assert status.status_code == 200
        assert status.json() == {"configured": False, "bot_username": None, "bot_url": None}
        issued = client.post("/link/code", params={"anilist_username": USER})
        assert issued.status_code == 200, issued.text
        body = issued.json()
        assert (body["configured"], body["bot_username"], body["bot_url"]) == (False, None, None)
        redeemed = client.post("/link/redeem", json={"code": body["code"]})
        assert redeemed.status_code == 200 and redeemed.json()["anilist_username"] == USER


def test_a_configured_bot_is_named_with_its_link(client_factory, bundle_root):
    settings = {"telegram_bot_username": "@AnimusicTestBot"}
    with client_factory(bundle_root, settings=settings) as client:
        expected = {
            "configured": True,
            "bot_username": "AnimusicTestBot",
            "bot_url": "https://t.me/AnimusicTestBot",
        }
        assert client.get("/link/status").json() == expected
        body = client.post("/link/code", params={"anilist_username": USER}).json()
        assert {key: body[key] for key in expected} == expected
        assert len(body["code"]) == 8


def test_bot_username_setting():
    assert _settings(telegram_bot_username=" ").telegram_bot_username is None  # compose's ""
    assert _settings(telegram_bot_username="@Some_bot").telegram_bot_username == "Some_bot"
    for bad in ("bot", "https://t.me/x_bot", "9lives_bot", "a bot name"):
        with pytest.raises(ValidationError, match="not a Telegram username"):
            _settings(telegram_bot_username=bad)
