"""Support for the listener-client tests (tests/e2e: the web page, tests/extension: the
extension): a synthetic bundle whose songs have YouTube video ids, the real API started with
uvicorn on a fixed 127.0.0.1 port (so it can be stopped and started again), fake sites
(www.youtube.com watch pages, embeds and IFrame API over HTTPS with a self-signed
certificate; the AniList OAuth authorize page; AniList GraphQL over plain HTTP), a WAV clip
generated here, and Chromium launched by Playwright with host-resolver rules that send
www.youtube.com and anilist.co to the fake sites and every other name nowhere.

Everything listens on 127.0.0.1 and is stopped by its own PID / server object.
"""

from __future__ import annotations

import functools
import io
import json
import math
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sqlalchemy as sa

from animusic_serving.bundle_builder import BundleBuilder
from tests.serving.live_server import wait_until_live

REPO = Path(__file__).resolve().parents[2]
EXTENSION_DIR = REPO / "extension"
CHROMIUM = "/usr/bin/chromium"
SESSION_SECRET = "e2e-session-secret-" + "s" * 32
N_ANIME, SONGS_PER_ANIME = 6, 3
CLIP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def video_id(row: int) -> str:
    return f"animusic{row:03d}"  # 11 characters, like a YouTube id


def publish_bundle(
    root: Path, n_anime: int = N_ANIME, links=None, columns: dict | None = None
) -> str:
    """``links(row) -> list[dict]`` (default: a YouTube video id per song); ``columns``:
    extra or replaced songs columns (e.g. anime titles), one value per row."""
    anime = [a + 1 for a in range(n_anime) for _ in range(SONGS_PER_ANIME)]
    n = len(anime)
    links = links or (
        lambda i: [
            {
                "platform": "youtube",
                "video_id": video_id(i),
                "url": f"https://www.youtube.com/watch?v={video_id(i)}",
            }
        ]
    )
    songs = pd.DataFrame(
        {
            "song_id": [f"s{i}" for i in range(n)],
            "anime_id": np.asarray(anime, dtype=np.int64),
            "relation": ["opening" if i % 2 == 0 else "ending" for i in range(n)],
            "title": [f"Song {i}" for i in range(n)],
            "anime_title": [f"Anime {a}" for a in anime],
            "artists": [[f"Artist {i % 4}"] for i in range(n)],
            "links": [json.dumps(links(i)) for i in range(n)],
            **(columns or {}),
        }
    )
    rng = np.random.default_rng(7)
    index = np.asarray(anime) - 1
    builder = BundleBuilder(songs)
    for name in ("minilm", "mpnet", "node2vec"):
        centres = rng.normal(size=(n_anime, 8))
        builder.add_dense(name, centres[index] + 0.3 * rng.normal(size=(n, 8)))
    counts = rng.random((n, 12)) * (rng.random((n, 12)) < 0.4)
    counts[np.arange(n), index % 12] += 2.0
    builder.add_tfidf(sp.csr_matrix(counts), {f"t{j}": j for j in range(12)}, np.ones(12))
    builder.add_scores("popular", rng.random(n))
    for name in ("random", "hybrid"):
        builder.add_model(name)
    return builder.publish(root, catalog_hash="e2e")


def wav_clip(seconds: float) -> bytes:
    """A mono 8 kHz 8-bit tone: a real media file the <video> element plays."""
    rate = 8000
    frames = bytes(
        int(128 + 30 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(rate * seconds))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


class _QuietHandler(BaseHTTPRequestHandler):
    """What the fake hosts share: no request log on stderr, whole-body answers, and WAV clips
    with byte ranges (seeking needs them)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body: bytes, ctype: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_clip(self, seconds: int):
        data = cached_wav_clip(seconds)
        headers = {"Accept-Ranges": "bytes", "Cache-Control": "no-store"}
        ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if not ranged:
            return self._send(200, data, "audio/wav", headers)
        start = int(ranged[1])
        end = min(int(ranged[2] or len(data) - 1), len(data) - 1)
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return self._send(206, data[start : end + 1], "audio/wav", headers)


@functools.lru_cache(maxsize=8)
def cached_wav_clip(seconds: int) -> bytes:
    return wav_clip(seconds)


# --------------------------------------------------------------------------- the API


class ApiServer:
    """``python -m animusic_serving`` on a fixed port; ``stop()`` / ``start()`` again."""

    def __init__(self, database_url: str, bundle_dir: Path, log_path: Path, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ANIMUSIC_")}
        self.env.update(
            {
                "ANIMUSIC_DATABASE_URL": database_url,
                "ANIMUSIC_BUNDLE_DIR": str(bundle_dir),
                "ANIMUSIC_SESSION_SECRET": SESSION_SECRET,
                **env,
            }
        )
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 (the server writes to it until stopped)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "animusic_serving",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        try:
            wait_until_live(self.proc, self.url, self.log_path)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # our own child, by PID
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


# --------------------------------------------------------------------------- fake sites

WATCH_PAGE = """<!doctype html><html><head><title>{vid} - YouTube</title></head><body>
<div id="movie_player" class="html5-video-player">
<video class="html5-main-video" src="/clip.wav?s={seconds}" autoplay width="640" height="360"></video>
</div><h1>{vid}</h1></body></html>"""  # noqa: E501 (the fake page's own markup)

# an embed that speaks to its parent with postMessage, as YouTube's does
EMBED_PAGE = """<!doctype html><html><body style="margin:0;background:#000">
<video id="v" src="/clip.wav?s={seconds}" autoplay style="width:100%;height:100%"></video>
<script>
const v = document.getElementById("v");
const post = (state) => parent.postMessage(JSON.stringify({{animusicFake: true, state,
  currentTime: v.currentTime, duration: v.duration || 0, rate: v.playbackRate}}), "*");
const stateOf = () => v.ended ? 0 : (!v.paused && v.readyState >= 3) ? 1 : v.paused ? 2 : 3;
for (const e of ["playing", "pause", "ended", "waiting", "ratechange"]) v.addEventListener(e, () => post(stateOf()));
setInterval(() => post(stateOf()), 250);
window.addEventListener("message", (e) => {{
  const m = JSON.parse(e.data);
  if (m.cmd === "play") v.play(); else if (m.cmd === "pause") v.pause();
  else if (m.cmd === "load") {{ location.href = "/embed/" + m.id; }}
}});
</script></body></html>"""  # noqa: E501 (the fake page's own markup)

# a stand-in for https://www.youtube.com/iframe_api: the YT.Player surface the page uses
IFRAME_API = """(() => {
const PlayerState = {UNSTARTED: -1, ENDED: 0, PLAYING: 1, PAUSED: 2, BUFFERING: 3, CUED: 5};
class Player {
  constructor(id, opts) {
    const target = document.getElementById(id);
    this.iframe = document.createElement("iframe");
    this.iframe.id = id;
    this.iframe.allow = "autoplay";
    this.iframe.src = "https://www.youtube.com/embed/" + opts.videoId + "?enablejsapi=1";
    target.replaceWith(this.iframe);
    this.events = opts.events || {};
    this.state = -1; this.time = 0; this.duration = 0; this.rate = 1; this.ready = false;
    window.addEventListener("message", (e) => {
      if (e.source !== this.iframe.contentWindow) return;
      let m; try { m = JSON.parse(e.data); } catch { return; }
      if (!m.animusicFake) return;
      this.time = m.currentTime; this.duration = m.duration;
      if (!this.ready) { this.ready = true; this.events.onReady && this.events.onReady({target: this}); }
      if (m.rate !== this.rate) { this.rate = m.rate; this.events.onPlaybackRateChange && this.events.onPlaybackRateChange({target: this, data: m.rate}); }
      if (m.state !== this.state) { this.state = m.state; this.events.onStateChange && this.events.onStateChange({target: this, data: m.state}); }
    });
  }
  send(m) { this.iframe.contentWindow.postMessage(JSON.stringify(m), "*"); }
  playVideo() { this.send({cmd: "play"}); }
  pauseVideo() { this.send({cmd: "pause"}); }
  stopVideo() { this.send({cmd: "pause"}); }
  loadVideoById(id) { this.state = -1; this.send({cmd: "load", id}); }
  getCurrentTime() { return this.time; }
  getDuration() { return this.duration; }
  getPlaybackRate() { return this.rate; }
  getPlayerState() { return this.state; }
}
window.YT = {Player, PlayerState};
setTimeout(() => window.onYouTubeIframeAPIReady && window.onYouTubeIframeAPIReady(), 0);
})();"""  # noqa: E501 (the fake player's own script)


class FakeSites:
    """HTTPS www.youtube.com + anilist.co (mapped by Chromium's host-resolver rules to
    ``https_port``) and plain-HTTP AniList GraphQL (``graphql_url``, for the API server).

    ``oauth_clients``: AniList client id -> registered redirect URL; ``tokens``: access token
    -> (AniList id, name) handed out by the authorize page; ``lists``: name -> MAL ids;
    ``clip_seconds``: the length of the clip the next watch page / embed plays."""

    def __init__(self, workdir: Path):
        self.oauth_clients: dict[str, str] = {}
        self.tokens: dict[str, tuple[int, str]] = {}
        self.issue_token: str | None = None
        self.lists: dict[str, list[int]] = {}
        self.clip_seconds = CLIP_SECONDS
        self.log: list[tuple[str, str, dict]] = []  # (host, path, headers)
        sites = self

        class Handler(_QuietHandler):
            def do_GET(self):
                host = (self.headers.get("Host") or "").split(":")[0]
                url = urlparse(self.path)
                query = parse_qs(url.query)
                sites.log.append((host, self.path, dict(self.headers)))
                if host == "anilist.co" and url.path == "/api/v2/oauth/authorize":
                    redirect = sites.oauth_clients.get(query.get("client_id", [""])[0])
                    if redirect is None or query.get("response_type") != ["token"]:
                        return self._send(400, b"unknown client", "text/plain")
                    return self._send(
                        302,
                        b"",
                        "text/plain",
                        {
                            "Location": f"{redirect}#access_token={sites.issue_token}"
                            f"&token_type=Bearer&expires_in=31536000"
                        },
                    )
                if host != "www.youtube.com":
                    return self._send(404, b"not here", "text/plain")
                if url.path == "/watch":
                    vid = query.get("v", [""])[0]
                    page = WATCH_PAGE.format(vid=vid, seconds=sites.clip_seconds)
                    return self._send(200, page.encode(), "text/html; charset=utf-8")
                if url.path.startswith("/embed/"):
                    page = EMBED_PAGE.format(seconds=sites.clip_seconds)
                    return self._send(200, page.encode(), "text/html; charset=utf-8")
                if url.path == "/iframe_api":
                    return self._send(200, IFRAME_API.encode(), "text/javascript")
                if url.path == "/clip.wav":
                    return self._send_clip(int(query.get("s", [str(CLIP_SECONDS)])[0]))
                return self._send(404, b"not found", "text/plain")

            def do_POST(self):  # AniList GraphQL (plain HTTP server only)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                sites.log.append(("graphql", self.path, dict(self.headers)))
                if "Viewer" in body["query"]:
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in sites.tokens:
                        data = {
                            "data": {"Viewer": None},
                            "errors": [{"message": "Invalid token", "status": 400}],
                        }
                        return self._send(400, json.dumps(data).encode(), "application/json")
                    uid, name = sites.tokens[token]
                    data = {"data": {"Viewer": {"id": uid, "name": name}}}
                    return self._send(200, json.dumps(data).encode(), "application/json")
                name = body["variables"]["name"]
                entries = [
                    {"status": "COMPLETED", "media": {"id": 1000 + m, "idMal": m}}
                    for m in sites.lists.get(name, [])
                ]
                data = {"data": {"MediaListCollection": {"lists": [{"entries": entries}]}}}
                return self._send(200, json.dumps(data).encode(), "application/json")

        cert, key = workdir / "cert.pem", workdir / "key.pem"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-keyout",
                str(key),
                "-out",
                str(cert),
                "-subj",
                "/CN=www.youtube.com",
                "-addext",
                "subjectAltName=DNS:www.youtube.com,DNS:anilist.co",
            ],
            check=True,
            capture_output=True,
        )
        self.https = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        # the handshake happens in the connection's own thread (on its first read), not in
        # accept(): an idle preconnected socket would otherwise block the whole server
        self.https.socket = context.wrap_socket(
            self.https.socket, server_side=True, do_handshake_on_connect=False
        )
        self.https_port = self.https.server_address[1]
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.graphql_url = f"http://127.0.0.1:{self.http.server_address[1]}/graphql"
        for server in (self.https, self.http):
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def close(self) -> None:
        for server in (self.https, self.http):
            server.shutdown()
            server.server_close()


# --------------------------------------------------------------------------- Chromium


def chromium_args(https_port: int, extension: Path | None = None) -> list[str]:
    rules = (
        f"EXCLUDE 127.0.0.1, EXCLUDE localhost, "
        f"MAP www.youtube.com 127.0.0.1:{https_port}, MAP anilist.co 127.0.0.1:{https_port}, "
        f"MAP * ~NOTFOUND"
    )
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--headless=new",
        f"--host-resolver-rules={rules}",
        "--ignore-certificate-errors",
        "--autoplay-policy=no-user-gesture-required",
        "--mute-audio",
    ]
    if extension is not None:
        args += [f"--disable-extensions-except={extension}", f"--load-extension={extension}"]
    return args


def launch(
    playwright,
    user_data_dir: Path,
    https_port: int,
    extension: Path | None = None,
    viewport: dict | None = None,
):
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        headless=False,
        executable_path=CHROMIUM,
        args=chromium_args(https_port, extension),
        viewport=viewport or {"width": 1200, "height": 760},
        ignore_https_errors=True,
    )


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


# --------------------------------------------------------------------------- the database


def feedback_rows(database_url: str, username: str) -> dict[str, dict]:
    engine = sa.create_engine(
        database_url.replace("postgresql://", "postgresql+psycopg2://", 1)
        if database_url.startswith("postgresql://")
        else database_url
    )
    try:
        with engine.connect() as conn:
            rows = (
                conn.execute(
                    sa.text(
                        "SELECT f.song_id, f.recommended_by, f.watch_time, f.total_video_time, "
                        "f.liked, f.opened, f.playlist_id "
                        "FROM feedback f JOIN users u ON u.id = f.user_id "
                        "WHERE u.username = :u"
                    ),
                    {"u": username},
                )
                .mappings()
                .all()
            )
    finally:
        engine.dispose()
    return {row["song_id"]: dict(row) for row in rows}


def wait_for(predicate, timeout: float, interval: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


# --------------------------------------------------------------------------- media files


class MediaServer:
    """A stand-in for AnimeThemes' video and audio hosts on 127.0.0.1 (plain HTTP): every
    ``/video/<name>`` and ``/audio/<name>`` is a real WAV tone of ``seconds`` seconds, with
    byte ranges (seeking needs them). ``fail``: answer 404 to everything (a dead link)."""

    def __init__(self, seconds: int = CLIP_SECONDS):
        self.seconds = seconds
        self.fail = False
        self.log: list[str] = []
        media = self

        class Handler(_QuietHandler):
            def do_GET(self):
                media.log.append(self.path)
                path = urlparse(self.path).path
                if media.fail or not path.startswith(("/video/", "/audio/")):
                    return self._send(
                        404, b"not found", "text/plain", {"Cache-Control": "no-store"}
                    )
                return self._send_clip(media.seconds)

            do_HEAD = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
