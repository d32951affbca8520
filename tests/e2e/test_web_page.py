"""The web page served at ``/``, driven in the system Chromium against the real API on
127.0.0.1 and a fake YouTube (the IFrame API and embeds at www.youtube.com, over HTTPS, via
host-resolver rules): sign in as the demo user (dev mode), fetch a playlist, play ~5 s, next
-> the feedback row holds ~5 s of watch time (pauses and jumps do not count); like -> liked
at once; the API down during next -> the row arrives once the API is back; a song played to
its end is reported. Also: AniList sign-in (implicit grant back to the page) and import."""

from __future__ import annotations

import re

import httpx

from client_support import (
    CLIP_SECONDS,
    feedback_rows,
    launch,
    wait_for,
)

USER = "webdemo"
MODELS = {"tfidf", "minilm", "mpnet", "node2vec", "popular", "random", "hybrid"}


def current_song(page) -> str:
    return page.locator("#items li.current").get_attribute("data-song-id")


def embed(page):
    page.evaluate("0")  # the sync API learns of new frames only while it talks to the browser
    return next(f for f in page.frames if "/embed/" in f.url)


def player_time(page) -> float:
    page.evaluate("0")  # the sync API learns of new frames only while it talks to the browser
    for frame in page.frames:
        if "/embed/" in frame.url:
            try:
                return frame.evaluate("document.querySelector('video')?.currentTime ?? 0")
            except Exception:  # navigating to the next video
                return 0.0
    return 0.0


def wait_playing(page, at_least: float = 0.2) -> None:
    wait_for(lambda: player_time(page) >= at_least, 15, what="the embedded player to play")


def test_page_is_served_with_a_strict_csp(client_stack):
    response = httpx.get(client_stack.api.url + "/")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert httpx.get(client_stack.api.url + "/web/app.js").status_code == 200
    assert 'href="/web/favicon.svg"' in response.text
    icon = httpx.get(client_stack.api.url + "/web/favicon.svg")  # no 404 in the console
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    for bad in ("/web/..%2Fapi%2Fapp.py", "/web/nothing.js", "/web/.hidden.css"):
        assert httpx.get(client_stack.api.url + bad).status_code == 404


def test_web_page_flows(client_stack, playwright_driver, tmp_path):
    api, sites, db = client_stack.api, client_stack.sites, client_stack.database_url
    sites.clip_seconds = CLIP_SECONDS
    context = launch(
        playwright_driver,
        tmp_path / "profile",
        sites.https_port,
        viewport={"width": 1200, "height": 720},
    )
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(api.url + "/")
        page.locator("#welcome").wait_for()

        # sign in with a plain name (dev mode): a playlist comes with it
        page.fill("#dev-name", USER)
        page.click("#dev-form button[type=submit]")
        page.locator("#items li").first.wait_for()
        items = page.locator("#items li")
        assert items.count() >= 5
        assert items.first.locator(".tag").inner_text() in MODELS
        assert re.search(r"Song \d+$", items.first.locator(".title").inner_text())
        anime = items.first.locator(".anime").inner_text()
        assert re.match(r"Anime \d+ · (opening|ending)", anime)
        # YouTube songs only: no "audio only" toggle (it means AnimeThemes files)
        assert not page.locator("#audio-only").is_visible()

        # play the first song for ~5 s, then next
        items.first.click()
        wait_playing(page)
        first = current_song(page)
        # played 2.5 s, paused 2 s, jumped to 20 s, played 2.5 s: 5 s played, not the playhead
        page.wait_for_timeout(2500)
        embed(page).evaluate("document.querySelector('video').pause()")
        page.wait_for_timeout(2000)
        embed(page).evaluate(
            "(() => { const v = document.querySelector('video'); v.currentTime = 20; v.play(); })()"
        )
        wait_playing(page, 20.1)
        page.wait_for_timeout(2500)
        page.click("#next")
        row = wait_for(lambda: feedback_rows(db, USER).get(first), 10, what="feedback row")
        assert 4.0 <= row["watch_time"] <= 6.5, row
        assert abs(row["total_video_time"] - CLIP_SECONDS) < 1, row
        assert row["liked"] is False and row["playlist_id"] is not None

        # like: sent at once, the heart stays on after a reload
        second = current_song(page)
        wait_playing(page)
        page.click("#like")
        wait_for(
            lambda: (feedback_rows(db, USER).get(second) or {}).get("liked"), 10, what="the like"
        )
        page.reload()
        page.locator(f'#items li[data-song-id="{second}"] .heart').wait_for()

        # the API is down during next: the report waits in localStorage and arrives later
        page.locator(f'#items li[data-song-id="{second}"]').click()
        wait_playing(page, 3.0)
        api.stop()
        page.click("#next")
        page.locator("#pending").filter(has_text="waiting").wait_for()
        page.wait_for_timeout(1500)
        assert feedback_rows(db, USER)[second]["watch_time"] < 2.5  # not arrived yet
        api.start()
        row = wait_for(
            lambda: (r := feedback_rows(db, USER).get(second)) and r["watch_time"] >= 2.5 and r,
            40,
            what="the queued report",
        )
        assert row["liked"] is True  # a later report does not take the like back
        wait_for(lambda: page.locator("#pending").inner_text() == "", 10, what="the queue to drain")

        # a short song played to its end is reported without any click
        sites.clip_seconds = 3
        page.click("#next")
        ended = current_song(page)
        row = wait_for(lambda: feedback_rows(db, USER).get(ended), 20, what="the ended report")
        assert 2.0 <= row["watch_time"] <= 3.5 and abs(row["total_video_time"] - 3) < 0.5, row
        assert not errors, errors
    finally:
        context.close()


def test_web_page_anilist_sign_in(client_stack, playwright_driver, tmp_path):
    """Implicit grant back to the page: the token is taken out of the address bar, exchanged
    at POST /auth/anilist and never stored; the session then imports the AniList list."""
    api, sites = client_stack.api, client_stack.sites
    sites.oauth_clients["web-client"] = api.url + "/"
    sites.tokens["web-access-token"] = (888, "webuser")
    sites.issue_token = "web-access-token"
    sites.lists["webuser"] = [3]
    context = launch(playwright_driver, tmp_path / "profile", sites.https_port)
    try:
        page = context.new_page()
        page.goto(api.url + "/")
        page.click("#welcome summary")
        page.fill("#client-id", "web-client")
        page.click("#save-client-id")
        page.click("#anilist-sign-in")
        page.locator("#who", has_text="@webuser").wait_for(timeout=15000)
        assert "access_token" not in page.url
        stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
        assert "web-access-token" not in stored and "animusic.session" in stored
        page.click(".import summary")
        page.click("#import")
        page.locator("#anime-message", has_text="Imported 1 anime").wait_for()
        page.locator("#my-anime li", has_text="Anime 3").wait_for()
        page.click("#fetch")
        page.locator("#items li").first.wait_for()
        page.click("#sign-out")
        page.locator("#welcome").wait_for()
    finally:
        context.close()
