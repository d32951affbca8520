"""The unpacked MV3 extension in the system Chromium (headless=new), against the real API on
127.0.0.1, a fake www.youtube.com watch page (a <video> playing a generated clip, HTTPS with a
self-signed certificate, via host-resolver rules) and a local AniList OAuth stub:
options -> Login with AniList (chrome.identity.launchWebAuthFlow, implicit grant) -> import
the AniList list -> playlist -> play ~5 s (with a pause and a jump) -> next: the feedback
row has ~5 s of watch time; like -> liked at once; the API down during next -> the row
arrives once it is back; a video that ends is reported by itself."""

from __future__ import annotations

import re

from client_support import (
    CLIP_SECONDS,
    EXTENSION_DIR,
    feedback_rows,
    launch,
    wait_for,
)

CLIENT_ID = "4242"
ACCESS_TOKEN = "anilist-access-token-e2e"
USER = "listener"


def service_worker(context):
    workers = [w for w in context.service_workers if w.url.endswith("/background.js")]
    return workers[0] if workers else context.wait_for_event("serviceworker", timeout=15000)


def watch_time(page) -> float:
    try:
        return page.evaluate("document.querySelector('video')?.currentTime ?? 0")
    except Exception:  # navigating
        return 0.0


def test_extension_flows(client_stack, playwright_driver, tmp_path):
    api, sites, db = client_stack.api, client_stack.sites, client_stack.database_url
    sites.clip_seconds = CLIP_SECONDS
    sites.tokens[ACCESS_TOKEN] = (777, USER)
    sites.issue_token = ACCESS_TOKEN
    sites.lists[USER] = [1, 2]  # the anime of songs s0..s5
    context = launch(playwright_driver, tmp_path / "profile", sites.https_port,
                     extension=EXTENSION_DIR, viewport={"width": 420, "height": 560})
    try:
        worker = service_worker(context)
        ext_id = worker.url.split("/")[2]
        sites.oauth_clients[CLIENT_ID] = f"https://{ext_id}.chromiumapp.org/"

        # options: API base URL, AniList client id
        options = context.new_page()
        options.goto(f"chrome-extension://{ext_id}/options.html")
        options.fill("#apiBase", api.url)
        options.fill("#anilistClientId", CLIENT_ID)
        options.click("button[type=submit]")
        options.locator("#message", has_text="Saved").wait_for()
        assert options.locator("#redirect").inner_text() == f"https://{ext_id}.chromiumapp.org/"
        options.close()

        popup = context.new_page()
        errors: list[str] = []
        popup.on("pageerror", lambda exc: errors.append(str(exc)))
        popup.goto(f"chrome-extension://{ext_id}/popup.html")
        popup.click("#sign-in")
        popup.locator("#who", has_text=f"@{USER}").wait_for(timeout=15000)
        # the AniList token went to the API (which asked AniList) and nowhere else
        assert not any(ACCESS_TOKEN in path for host, path, _ in sites.log if host != "anilist.co")
        graphql_auth = [h.get("Authorization") for host, _, h in sites.log if host == "graphql"]
        assert f"Bearer {ACCESS_TOKEN}" in graphql_auth

        popup.click("#import")
        popup.locator("#message", has_text="Imported 2 anime").wait_for()
        popup.click("#fetch")
        popup.locator("#items li").first.wait_for()
        labels = popup.locator("#items li .label").all_inner_texts()
        assert len(labels) >= 5
        for label in labels:
            assert re.fullmatch(r"\[(tfidf|minilm|mpnet|node2vec|popular|random|hybrid)\] "
                                r"Song \d+ — Anime \d+", label), label
        songs = [li.get_attribute("data-song-id") for li in popup.locator("#items li").all()]

        # play the first song (a new tab: the popup's own tab is no web page) ~5 s, then next
        with context.expect_page() as new_tab:
            popup.locator("#items li .label").first.click()
        player = new_tab.value
        player.wait_for_url(re.compile(r"https://www\.youtube\.com/watch\?v=animusic\d+"))
        wait_for(lambda: watch_time(player) > 0.2, 15, what="the video to play")
        # played 2.5 s, paused 2 s, jumped to 20 s, played 2.5 s: 5 s played, not the playhead
        player.wait_for_timeout(2500)
        player.evaluate("document.querySelector('video').pause()")
        player.wait_for_timeout(2000)
        player.evaluate("(() => { const v = document.querySelector('video');"
                        " v.currentTime = 20; v.play(); })()")
        wait_for(lambda: watch_time(player) > 20.1, 10, what="the video to play on after the jump")
        player.wait_for_timeout(2500)
        assert watch_time(player) > 22
        popup.click("#next")
        row = wait_for(lambda: feedback_rows(db, USER).get(songs[0]), 10, what="feedback row")
        assert 4.0 <= row["watch_time"] <= 6.5, row
        assert abs(row["total_video_time"] - CLIP_SECONDS) < 1, row
        assert row["liked"] is False and row["playlist_id"] is not None

        # like the second song as soon as it plays: sent at once, the heart stays on
        wait_for(lambda: watch_time(player) > 0.2, 15, what="the second video to play")
        popup.locator(f'#items li[data-song-id="{songs[1]}"] .like').click()
        wait_for(lambda: (feedback_rows(db, USER).get(songs[1]) or {}).get("liked"), 10,
                 what="the like")
        popup.reload()
        assert popup.locator(f'#items li[data-song-id="{songs[1]}"] .like') \
            .get_attribute("aria-pressed") == "true"

        # the API is down during next: the report waits in chrome.storage, arrives later
        player.wait_for_timeout(3000)
        api.stop()
        sites.clip_seconds = 4  # the third song is short, to be played to its end
        popup.click("#next")
        popup.locator("#pending", has_text="waiting").wait_for(timeout=10000)
        assert feedback_rows(db, USER)[songs[1]]["watch_time"] < 2.5  # not arrived yet
        queued = worker.evaluate("chrome.storage.local.get('queue').then(r => r.queue.length)")
        assert queued >= 1
        api.start()
        row = wait_for(lambda: (r := feedback_rows(db, USER).get(songs[1])) and
                       r["watch_time"] >= 2.5 and r, 40, what="the queued report")
        assert row["liked"] is True

        # the third (4 s) video ends: reported without a click
        row = wait_for(lambda: feedback_rows(db, USER).get(songs[2]), 30, what="the ended report")
        assert 3.0 <= row["watch_time"] <= 4.5 and abs(row["total_video_time"] - 4) < 0.5, row
        wait_for(lambda: worker.evaluate(
            "chrome.storage.local.get('queue').then(r => r.queue.length)") == 0, 40,
            what="the queue to drain")
        assert not errors, errors
    finally:
        context.close()
