"""The web page's accounts panel (web/accounts.js) in the system Chromium against the real
API: a Telegram link code with the bot's t.me link, then Spotify connected through the real
redirects (the fake Spotify on 127.0.0.1 consents at once) and the playlist on screen
exported; and without a configured bot, no code is offered."""

from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet

from client_support import (
    N_ANIME,
    SONGS_PER_ANIME,
    ApiServer,
    FakeSites,
    chromium_available,
    launch,
    publish_bundle,
)
from tests.serving.fake_spotify import FakeSpotify, Track

USER = "spotty"
BOT = "AnimusicTestBot"


@pytest.fixture(scope="module")
def stack(make_database, tmp_path_factory):
    if not chromium_available():
        pytest.skip("the system Chromium (/usr/bin/chromium) is not installed")
    tmp = tmp_path_factory.mktemp("accounts_panel")
    bundle_dir = tmp / "bundles"
    publish_bundle(bundle_dir)
    n = N_ANIME * SONGS_PER_ANIME
    spotify = FakeSpotify(
        tracks=[
            Track(f"spotify:track:t{i}", f"Song {i}", [f"Artist {i % 4}"])
            for i in range(n)
            if i % 5
        ]
    ).start()
    sites = FakeSites(tmp)
    api = ApiServer(
        make_database("accounts_panel"),
        bundle_dir,
        tmp / "api.log",
        {
            "ANIMUSIC_DEV_MODE": "1",
            "SPOTIFY_CLIENT_ID": spotify.client_id,
            "ANIMUSIC_TOKEN_KEY": Fernet.generate_key().decode(),
            "ANIMUSIC_SPOTIFY_ACCOUNTS_URL": spotify.url,
            "ANIMUSIC_SPOTIFY_API_URL": spotify.url + "/v1",
            "ANIMUSIC_TELEGRAM_BOT_USERNAME": BOT,
        },
    )
    api.env["ANIMUSIC_SPOTIFY_REDIRECT_URI"] = api.url + "/spotify/callback"
    try:
        api.start()
        yield api, sites, spotify
    finally:
        api.stop()
        sites.close()
        spotify.stop()


def test_telegram_code_and_spotify_export(stack, playwright_driver, tmp_path):
    api, sites, spotify = stack
    context = launch(playwright_driver, tmp_path / "profile", sites.https_port)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(api.url + "/")
        page.fill("#dev-name", USER)
        page.click("#dev-form button[type=submit]")
        page.locator("#items li").first.wait_for()
        page.locator("#accounts").wait_for()
        page.locator("#spotify-connect").wait_for()
        assert page.locator("#spotify-state").inner_text() == "not connected"

        assert page.locator("#telegram-state").inner_text() == f"bot @{BOT}"
        page.click("#telegram-code")
        page.locator("#telegram-message", has_text="/start ").wait_for()  # (no eval: CSP)
        sent = re.search(
            rf"Send /start ([A-Z2-9]{{8}}) to @{BOT} \(valid 10 min, once\)",
            page.locator("#telegram-message").inner_text(),
        )
        assert sent
        link = page.locator("#telegram-message a")
        assert link.inner_text() == f"https://t.me/{BOT}"
        assert link.get_attribute("href") == f"https://t.me/{BOT}?start={sent.group(1)}"

        page.click("#spotify-connect")  # -> fake Spotify -> /spotify/callback -> /?spotify=
        page.wait_for_url(re.compile(r"/$"))
        page.locator("#spotify-export-playlist").wait_for()
        assert page.locator("#spotify-message").inner_text() == "Spotify connected"
        assert page.locator("#spotify-state").inner_text() == "connected as listener1"

        page.click("#spotify-export-playlist")
        page.locator("#spotify-message", has_text="songs matched").wait_for()
        message = page.locator("#spotify-message").inner_text()
        matched, total = map(int, re.search(r"(\d+) of (\d+) songs matched", message).groups())
        (playlist,) = spotify.playlists.values()
        assert len(playlist["items"]) == matched and total >= matched
        assert page.locator("#spotify-unmatched li").count() == total - matched
        # (docs/screenshots/web-accounts.png was taken from this state; tests write no docs)
        page.locator("#accounts").screenshot(path=str(tmp_path / "web-accounts.png"))
        assert errors == []
    finally:
        context.close()


def test_no_telegram_code_without_a_bot(stack, playwright_driver, tmp_path):
    api = stack[0]
    api.stop()
    del api.env["ANIMUSIC_TELEGRAM_BOT_USERNAME"]
    api.start()
    context = launch(playwright_driver, tmp_path / "profile", stack[1].https_port)
    try:
        page = context.new_page()
        page.goto(api.url + "/")
        page.fill("#dev-name", USER)
        page.click("#dev-form button[type=submit]")
        page.locator("#telegram-state", has_text="Telegram bot").wait_for()
        assert page.locator("#telegram-state").inner_text() == (
            "No Telegram bot runs with this server"
        )
        assert page.locator("#telegram-code").is_hidden()
    finally:
        context.close()
        api.stop()
        api.env["ANIMUSIC_TELEGRAM_BOT_USERNAME"] = BOT
        api.start()
