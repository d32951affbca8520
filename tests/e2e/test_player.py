"""The listener's loop in the system Chromium, with no network but 127.0.0.1: sign in (demo
name), pick three anime in the picker (English, Japanese and romaji titles), get a playlist,
the first song plays inline from a fake AnimeThemes media host (a real WAV tone the page's
<video> element plays), and the feedback rows hold what was actually played:

* ≈ 5 s of play, then Next: 5 s ± 1.5 s;
* an immediate Next: 0 s (a skip is feedback);
* a seek forward: the jump adds nothing;
* a dead media link: the page says so and offers Next, and the skip is still recorded;
* a song with only a search link: opening it is recorded as opened;
* a short song played to its end: reported, and the next song starts by itself;
* the list shows the picks and removes one; every item says why it is there;
* leaving the page mid-song: sendBeacon reports what was played;
* at 390 px wide nothing scrolls sideways.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from client_support import (
    SONGS_PER_ANIME,
    ApiServer,
    MediaServer,
    feedback_rows,
    free_port,
    launch,
    publish_bundle,
    wait_for,
)

USER = "listener"
TITLES = [  # (romaji, English, Japanese): anime 1..8
    ("Cowboy Bebop", "Cowboy Bebop", "カウボーイビバップ"),
    ("Shingeki no Kyojin", "Attack on Titan", "進撃の巨人"),
    (
        "Hagane no Renkinjutsushi: Fullmetal Alchemist",
        "Fullmetal Alchemist: Brotherhood",
        "鋼の錬金術師 FULLMETAL ALCHEMIST",
    ),
    ("Sen to Chihiro no Kamikakushi", "Spirited Away", "千と千尋の神隠し"),
    ("Kimi no Na wa.", "Your Name.", "君の名は。"),
    ("Shinseiki Evangelion", "Neon Genesis Evangelion", "新世紀エヴァンゲリオン"),
    ("Steins;Gate", "Steins;Gate", "STEINS;GATE"),
    ("Mob Psycho 100", "Mob Psycho 100", "モブサイコ100"),
]
PICKS = [
    ("titan", "Shingeki no Kyojin"),
    ("千と千尋", "Sen to Chihiro no Kamikakushi"),
    ("kimi no na", "Kimi no Na wa."),
]


@pytest.fixture(scope="module")
def player_stack(make_database, tmp_path_factory, playwright_driver):
    from client_support import chromium_available

    if not chromium_available():
        pytest.skip("the system Chromium (/usr/bin/chromium) is not installed")
    tmp = tmp_path_factory.mktemp("player")
    media = MediaServer()
    anime = [a for a in range(len(TITLES)) for _ in range(SONGS_PER_ANIME)]
    columns = {
        "anime_title": [TITLES[a][0] for a in anime],
        "anime_title_english": [TITLES[a][1] for a in anime],
        "anime_title_japanese": [TITLES[a][2] for a in anime],
    }

    def links(row):  # AnimeThemes-shaped links to the local media host
        return [
            {
                "platform": "animethemes",
                "url": f"{media.origin}/video/S{row}-OP1.webm",
                "audio_url": f"{media.origin}/audio/S{row}-OP1.ogg",
                "video_id": None,
                "episodes": "1-12",
                "nsfw": False,
                "spoiler": False,
            }
        ]

    publish_bundle(tmp / "bundles", n_anime=len(TITLES), links=links, columns=columns)
    database_url = make_database("player")
    api = ApiServer(
        database_url,
        tmp / "bundles",
        tmp / "api.log",
        {"ANIMUSIC_DEV_MODE": "1", "ANIMUSIC_MEDIA_ORIGINS": media.origin},
    )
    try:
        api.start()
        yield SimpleNamespace(api=api, media=media, database_url=database_url)
    finally:
        api.stop()
        media.close()


def media_state(page) -> dict:
    return page.evaluate(
        "(() => { const v = document.getElementById('media');"
        " return {t: v.currentTime, paused: v.paused, src: v.currentSrc,"
        " hidden: v.hidden}; })()"
    )


def wait_playing(page, at_least: float = 0.2) -> None:
    wait_for(
        lambda: (s := media_state(page))["t"] >= at_least and not s["paused"],
        15,
        what=f"the inline player to pass {at_least} s",
    )


def current_song(page) -> str:
    return page.locator("#items li.current").get_attribute("data-song-id")


def row_of(db, song, timeout=10):
    return wait_for(
        lambda: feedback_rows(db, USER).get(song), timeout, what=f"the feedback row of {song}"
    )


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"scrollWidth {scroll} > {width}: the page scrolls sideways"


def test_pick_play_and_measure(player_stack, playwright_driver, tmp_path):
    api, media, db = player_stack.api, player_stack.media, player_stack.database_url
    # no network: every name but 127.0.0.1 resolves nowhere (client_support.chromium_args)
    context = launch(playwright_driver, tmp_path / "profile", free_port())
    try:
        page = context.new_page()
        errors: list[str] = []
        elsewhere: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        local = ("http://127.0.0.1", "data:", "blob:")
        page.on("request", lambda r: None if r.url.startswith(local) else elsewhere.append(r.url))
        page.goto(api.url + "/")
        page.fill("#dev-name", USER)
        page.click("#dev-form button[type=submit]")
        page.locator("#items li").first.wait_for()

        # the picker: three anime by English, Japanese and romaji words
        for query, title in PICKS:
            page.fill("#anime-q", query)
            page.locator("#anime-results li", has_text=title).first.click()
            page.locator("#my-anime li", has_text=title).wait_for()
            # the answer stands next to the list it changed (not under the playlist)
            page.locator("#anime-message", has_text=f"Added {title}").wait_for()
        assert page.locator("#my-anime li").count() == 3
        playlist_id = "JSON.parse(localStorage.getItem('animusic.playlist')).playlist_id"
        before = page.evaluate(playlist_id)
        page.click("#fetch")
        wait_for(lambda: page.evaluate(playlist_id) != before, 10, what="a new playlist")
        assert page.locator("#items li").count() >= 5
        # a playlist and nothing chosen yet: the player says what to do next
        assert "Click a song" in page.locator("#empty").inner_text()
        items = page.locator("#items li")
        picked = {title for _, title in PICKS}
        for i in range(items.count()):  # the picked anime stand in; none is recommended
            assert not any(t in items.nth(i).locator(".anime").inner_text() for t in picked)
            assert items.nth(i).locator(".why").inner_text().strip()
            assert items.nth(i).locator(".tag").get_attribute("title")

        # 1. the first song plays inline (no YouTube), ≈ 5 s, then Next
        items.first.click()
        wait_playing(page)
        first = current_song(page)
        state = media_state(page)
        assert not state["hidden"] and "/video/" in state["src"]
        assert page.locator("iframe").count() == 0
        page.wait_for_timeout(4800)
        # Next, and at once Next again (as a double click does): the second song is skipped
        # before it played
        page.evaluate(
            "(() => { const next = document.getElementById('next');"
            " next.click(); next.click(); })()"
        )
        row = row_of(db, first)
        assert 3.5 <= row["watch_time"] <= 6.5, row
        assert abs(row["total_video_time"] - media.seconds) < 1, row

        # 2. the immediate Next: the skipped song is recorded with 0 s
        order = page.evaluate(
            "JSON.parse(localStorage.getItem('animusic.playlist')).items.map((i) => i.song_id)"
        )
        skipped = order[order.index(first) + 1]
        row = row_of(db, skipped)
        assert row["watch_time"] == 0, row

        # 3. play 2 s, seek 15 s forward, play 2 s: ≈ 4 s, not the playhead's 19 s
        seeker = current_song(page)
        wait_playing(page)
        page.wait_for_timeout(2000)
        page.evaluate("document.getElementById('media').currentTime += 15")
        wait_playing(page, 15.5)
        page.wait_for_timeout(2000)
        page.click("#audio-only")  # audio only, mid-song: same position, same meter
        wait_for(lambda: "/audio/" in media_state(page)["src"], 10, what="the audio file")
        wait_playing(page, 17.0)
        page.click("#audio-only")
        media.fail = True  # the next song's link is dead (step 4)
        page.click("#next")
        row = row_of(db, seeker)
        assert 3.0 <= row["watch_time"] <= 6.0, row

        # 4. a dead link: the page says so and offers Next; the skip is still recorded
        dead = current_song(page)
        page.locator("#media-error").wait_for(state="visible", timeout=10000)
        assert "could not be loaded" in page.locator("#media-error").inner_text()
        media.fail = False
        page.click("#error-next")
        row = row_of(db, dead)
        assert row["watch_time"] == 0, row

        # 5. a short song ends by itself: reported, and the next one starts (autoplay)
        media.seconds = 3
        page.click("#next")
        short = current_song(page)
        row = row_of(db, short, timeout=20)
        assert 2.0 <= row["watch_time"] <= 3.5 and abs(row["total_video_time"] - 3) < 0.5, row
        wait_for(lambda: current_song(page) != short, 5, what="autoplay to the next song")
        media.seconds = 30

        # the list: remove one pick
        page.locator("#my-anime li", has_text="Kimi no Na wa.").locator("button").click()
        wait_for(lambda: page.locator("#my-anime li").count() == 2, 10, what="the removal")

        # a song with only a search link: the page offers it, and opening it is recorded
        before = page.evaluate(playlist_id)
        page.click("#fetch")
        wait_for(lambda: page.evaluate(playlist_id) != before, 10, what="a new playlist")
        searched = page.evaluate("""(() => {
          const p = JSON.parse(localStorage.getItem('animusic.playlist'));
          // the last item: the new playlist's first song may already have started playing
          const last = p.items[p.items.length - 1];
          last.links = [{platform: 'youtube', video_id: null,
                         url: 'https://www.youtube.com/results?search_query=x'}];
          localStorage.setItem('animusic.playlist', JSON.stringify(p));
          return last.song_id; })()""")
        page.reload()
        page.locator("#items li").last.click()
        page.locator("#no-video").wait_for(state="visible")
        assert page.locator("#audio-only").is_visible()  # other songs of the list are files
        # said plainly, not as a fault: no video here, a YouTube search in a new tab
        assert "YouTube search in a new tab" in page.locator("#no-video").inner_text()
        with context.expect_page() as opened_tab:
            page.click("#search-link")
        opened_tab.value.close()
        row = row_of(db, searched)
        assert row["opened"] is True and row["watch_time"] == 0, row

        # a username the API refuses: one sentence naming the field, no request leaves
        page.click(".import summary")
        page.select_option("#import-site", "mal")
        page.fill("#import-name", "no such name")
        page.click("#import")
        page.locator("#anime-message", has_text="Please check the username").wait_for()
        said = page.locator("#anime-message").inner_text()
        assert "letters, digits" in said and "[" not in said, said  # words, not a regex

        # 390 px wide: no sideways scroll, signed in and on the welcome screen
        page.set_viewport_size({"width": 390, "height": 844})
        page.fill("#anime-q", "fullmetal")
        page.locator("#anime-results li").first.wait_for()
        no_sideways_scroll(page)

        # leaving the page mid-song: the beacon carries what was played
        page.keyboard.press("Escape")
        before = page.evaluate(playlist_id)
        page.click("#fetch")  # a fresh playlist: songs with no report yet
        wait_for(lambda: page.evaluate(playlist_id) != before, 10, what="a new playlist")
        page.locator("#items li").first.click()
        leaving = current_song(page)
        assert leaving not in feedback_rows(db, USER)
        wait_playing(page, 1.5)
        page.goto("about:blank")
        row = wait_for(
            lambda: (r := feedback_rows(db, USER).get(leaving)) and r["watch_time"] >= 1.0 and r,
            10,
            what="the beacon's report",
        )
        assert row["watch_time"] <= 4.0, row

        page.goto(api.url + "/")
        page.click("#sign-out")
        page.locator("#welcome").wait_for()
        no_sideways_scroll(page)
        assert not errors, errors
        assert not elsewhere, elsewhere
    finally:
        context.close()
