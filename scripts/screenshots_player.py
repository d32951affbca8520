#!/usr/bin/env python3
"""Screenshots of the listener's page from the real demo, and the time from a click to the
first video frame. Rerun it any time; tests never write these files.

    .venv/bin/python scripts/screenshots_player.py                  # starts a demo stack
    .venv/bin/python scripts/screenshots_player.py --api http://127.0.0.1:8000   # uses one

Without ``--api`` it starts ``scripts/run_demo.py --no-traffic`` on spare ports (the whole
demo: Postgres, the asset graph, the API) and stops it at the end by its process group.

It drives the system Chromium (Playwright) through the page: sign in as a demo name, pick
three anime in the picker, get a playlist, play songs, and writes
``docs/screenshots/web-{welcome,picker,playing,mobile}.png``. Japanese titles need a CJK
font in the system (Debian: ``fonts-ipafont-gothic``).

The media: ``--media local`` (default) plays a clip this script generates (Chromium records
a canvas to webm with MediaRecorder) and serves from 127.0.0.1, attached to each playlist
item as an AnimeThemes-shaped link, so the frame can be shot on a machine with no internet;
the anime, songs, models and explanations are the demo's own. ``--media real`` plays the
links the demo resolved (AnimeThemes needs the internet).

Click to first frame: from the click on a playlist item (the event's timestamp) to the first
frame the <video> element presents (``requestVideoFrameCallback``), over ``--rounds`` songs;
printed as median and max.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from animusic_devtools.demo.probes import free_port, http_get

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PICKS = ("進撃の巨人", "Fullmetal", "kimi no")  # Japanese, English, romaji words
DESKTOP: Any = {"width": 1200, "height": 760}  # playwright's ViewportSize (a TypedDict)
PHONE: Any = {"width": 390, "height": 844}

# a clip drawn on a canvas and recorded to webm in the browser (no ffmpeg needed)
RECORD_CLIP = """async (seconds) => {
  const c = document.createElement("canvas"); c.width = 640; c.height = 360;
  const g = c.getContext("2d");
  const stream = c.captureStream(30);
  const rec = new MediaRecorder(stream, {mimeType: "video/webm;codecs=vp8"});
  const parts = []; rec.ondataavailable = (e) => parts.push(e.data);
  const t0 = performance.now();
  const draw = () => {
    const t = (performance.now() - t0) / 1000;
    const grad = g.createLinearGradient(0, 0, 640, 360);
    grad.addColorStop(0, `hsl(${(220 + 40 * t) % 360}, 70%, 45%)`);
    grad.addColorStop(1, `hsl(${(290 + 40 * t) % 360}, 60%, 35%)`);
    g.fillStyle = grad; g.fillRect(0, 0, 640, 360);
    g.fillStyle = "rgba(255,255,255,.9)"; g.font = "bold 30px sans-serif";
    g.fillText("♪ local test clip", 40, 170);
    g.font = "18px sans-serif";
    g.fillText("generated on this machine, served from 127.0.0.1", 40, 205);
    g.fillRect(40, 240, (560 * ((t % seconds) / seconds)), 8);
    if (rec.state === "recording") requestAnimationFrame(draw);
  };
  rec.start(); draw();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  rec.stop();
  await new Promise((r) => (rec.onstop = r));
  const buf = new Uint8Array(await new Blob(parts, {type: "video/webm"}).arrayBuffer());
  let s = "";
  for (let i = 0; i < buf.length; i += 0x8000) {
    s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  }
  return btoa(s);
}"""


class ClipServer:
    """Serves one clip at /video/<anything> on 127.0.0.1, with byte ranges."""

    def __init__(self, clip: bytes):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
                start, end = (
                    (int(ranged[1]), int(ranged[2] or len(clip) - 1))
                    if ranged
                    else (0, len(clip) - 1)
                )
                end = min(end, len(clip) - 1)
                self.send_response(206 if ranged else 200)
                self.send_header("Content-Type", "video/webm")
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(end - start + 1))
                if ranged:
                    self.send_header("Content-Range", f"bytes {start}-{end}/{len(clip)}")
                self.end_headers()
                self.wfile.write(clip[start : end + 1])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_demo(timeout: float) -> tuple[subprocess.Popen, str]:
    api_port, web_port, pg_port = free_port(), free_port(), free_port()
    log_path = ROOT / ".data" / "screenshots-demo.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "scripts" / "run_demo.py"),
                "--no-traffic",
                "--api-port",
                str(api_port),
                "--web-port",
                str(web_port),
                "--pg-port",
                str(pg_port),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the demo stopped early; see {log_path}")
        if http_get(url + "/health/ready", timeout=3)[0] == 200:
            return proc, url
        time.sleep(2)
    stop_demo(proc)
    raise SystemExit(f"the demo was not ready after {timeout:.0f} s; see {log_path}")


def stop_demo(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)  # run_demo stops its children and Postgres
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def local_links(route, clip_origin: str) -> None:
    """The real /playlist answer, each item given a link to the local clip first."""
    response = route.fetch()
    body = response.json()
    for item in body.get("items", []):
        item["links"] = [
            {
                "platform": "animethemes",
                "video_id": None,
                "url": f"{clip_origin}/video/{item['song_id']}.webm",
                "audio_url": None,
                "nsfw": False,
                "spoiler": False,
            },
            *item.get("links", []),
        ]
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    route.fulfill(
        response=response,
        body=json.dumps(body),
        headers={**headers, "content-type": "application/json"},
    )


def first_frame_ms(page, index: int) -> float:
    page.evaluate(
        """(i) => {
      window.__click = null;
      const li = document.querySelectorAll('#items li')[i];
      li.addEventListener('click', (e) => { window.__click = e.timeStamp; },
                          {once: true, capture: true});
    }""",
        index,
    )
    page.locator("#items li").nth(index).click()
    page.wait_for_function(
        "window.Animusic.timing.firstFrame !== null && window.__click !== null", timeout=30000
    )
    return page.evaluate("window.Animusic.timing.firstFrame - window.__click")


def shoot(api: str, media: str, rounds: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        # no network beyond 127.0.0.1 unless --media real; CSP bypassed so the local clip's
        # origin need not be in the API's ANIMUSIC_MEDIA_ORIGINS
        rules = "EXCLUDE 127.0.0.1, EXCLUDE localhost" + (
            ", MAP * ~NOTFOUND" if media == "local" else ""
        )
        browser = driver.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--autoplay-policy=no-user-gesture-required",
                "--mute-audio",
                f"--host-resolver-rules={rules}",
            ],
        )
        context = browser.new_context(viewport=DESKTOP, bypass_csp=media == "local")
        page = context.new_page()
        clips = None
        if media == "local":
            page.goto("about:blank")
            clip = base64.b64decode(page.evaluate(RECORD_CLIP, 8))
            clips = ClipServer(clip)
            page.route(
                re.compile(r".*/playlist(\?.*)?$"), lambda route: local_links(route, clips.origin)
            )
        try:
            page.goto(api + "/")
            page.locator("#welcome").wait_for()
            page.screenshot(path=str(OUT / "web-welcome.png"))
            page.fill("#dev-name", f"screens{int(time.time()) % 100000}")
            page.click("#dev-form button[type=submit]")
            page.locator("#items li").first.wait_for()
            for query in PICKS[:2]:
                page.fill("#anime-q", query)
                page.locator("#anime-results li").first.click()
                page.wait_for_timeout(300)
            page.fill("#anime-q", PICKS[2])
            page.locator("#anime-results li").first.wait_for()
            page.screenshot(path=str(OUT / "web-picker.png"))
            page.locator("#anime-results li").first.click()
            page.click("#fetch")
            page.wait_for_timeout(1500)
            times = [first_frame_ms(page, i % 5) for i in range(rounds)]
            whys = page.locator("#items li .why").all_inner_texts()
            shown = next((i for i, why in enumerate(whys) if why.startswith("because")), 0)
            page.locator("#items li").nth(shown).click()  # an item that names your song
            page.wait_for_function(
                "document.getElementById('media').currentTime > 2", timeout=30000
            )
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(OUT / "web-playing.png"))
            page.set_viewport_size(PHONE)
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(500)
            page.screenshot(path=str(OUT / "web-mobile.png"), full_page=True)
        finally:
            context.close()
            browser.close()
            if clips is not None:
                clips.close()
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--api", help="a running demo API (default: start one)")
    ap.add_argument("--media", choices=("local", "real"), default="local")
    ap.add_argument("--rounds", type=int, default=7, help="click-to-first-frame samples")
    ap.add_argument("--ready-timeout", type=float, default=900.0)
    args = ap.parse_args(argv)
    demo = None
    api = args.api
    if api is None:
        print("starting the demo stack (scripts/run_demo.py --no-traffic)…", flush=True)
        demo, api = start_demo(args.ready_timeout)
    try:
        times = shoot(api.rstrip("/"), args.media, args.rounds)
    finally:
        if demo is not None:
            stop_demo(demo)
    print(
        f"wrote {', '.join(sorted(p.name for p in OUT.glob('web-*.png')))} in "
        f"{OUT.relative_to(ROOT)}"
    )
    print(
        f"click to first frame over {len(times)} songs ({args.media} media): median "
        f"{statistics.median(times):.0f} ms, max {max(times):.0f} ms "
        f"({', '.join(f'{t:.0f}' for t in times)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
