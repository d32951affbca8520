"""A local fake of the AnimeThemes API (``GET /anime``) on 127.0.0.1, shaped like the real one.

Answers ``{"anime": [...], "links": {first, last, prev, next}, "meta": {current_page, ...}}``
for ``filter[has]=resources&filter[site]=MyAnimeList&filter[external_id]=1,2,...``; unknown
ids are simply absent; ``page[size]`` is capped by ``max_page_size`` so tests can force paging;
faults are injected in order (``"429=0.2"`` = 429 with Retry-After 0.2 s, ``"503"``,
``"malformed"``, ``"hang=5"``). Media links point at this server's ``/video`` and ``/audio``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tests.assets.fakesite.animethemes_pages import anime_json


class FakeAnimeThemes:
    def __init__(self, catalog: dict[int, dict], max_page_size: int = 100):
        self.catalog, self.max_page_size = catalog, max_page_size
        self.log: list[dict] = []
        self.faults: list[str] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> FakeAnimeThemes:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def inject(self, *actions: str) -> None:
        with self.lock:
            self.faults.extend(actions)

    def requests(self) -> list[dict]:
        with self.lock:
            return [r for r in self.log if r["path"].startswith("/anime")]

    # -- the API ---------------------------------------------------------------------------
    def anime_index(self, query: dict[str, str]) -> dict:
        wanted = [
            int(x)
            for x in (query.get("filter[external_id]") or "").split(",")
            if x.strip().isdigit()
        ]
        if query.get("filter[site]") != "MyAnimeList" or query.get("filter[has]") != "resources":
            wanted = []
        known = [i for i in sorted(set(wanted)) if i in self.catalog]
        size = min(int(query.get("page[size]") or 15), self.max_page_size)
        number = int(query.get("page[number]") or 1)
        chunk = known[(number - 1) * size : number * size]
        last = max(1, -(-len(known) // size))
        page_url = (
            "https://api.animethemes.moe/anime?page%5Bnumber%5D="  # the real host, as the API does
        )
        return {
            "anime": [anime_json(mal_id, self.catalog[mal_id], self.base) for mal_id in chunk],
            "links": {
                "first": page_url + "1",
                "last": page_url + str(last),
                "prev": page_url + str(number - 1) if number > 1 else None,
                "next": page_url + str(number + 1) if number < last else None,
            },
            "meta": {
                "current_page": number,
                "from": (number - 1) * size + 1 if chunk else None,
                "path": "https://api.animethemes.moe/anime",
                "per_page": size,
                "to": (number - 1) * size + len(chunk) if chunk else None,
            },
        }

    def route(self, path: str) -> tuple[int, dict, str, str]:
        url = urlparse(path)
        if url.path.rstrip("/") == "/anime":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            return 200, {}, json.dumps(self.anime_index(query)), "application/json"
        if url.path.startswith("/video/") or url.path.startswith("/audio/"):
            mime = "video/webm" if url.path.startswith("/video/") else "audio/ogg"
            return 200, {}, "fake media", mime
        return 404, {}, json.dumps({"message": "Not Found"}), "application/json"


def _handler(fake: FakeAnimeThemes):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            entry = {"path": self.path, "t": time.time(), "status": None}
            fault = None
            with fake.lock:
                fake.log.append(entry)
                if fake.faults and self.path.startswith("/anime"):
                    fault = fake.faults.pop(0)
            status, headers, text, mime = fake.route(self.path)
            if fault:
                kind, _, arg = fault.partition("=")
                if kind == "hang":
                    time.sleep(float(arg or 5))
                    entry["status"] = "hang"
                    return
                if kind == "malformed":
                    text = text[: len(text) // 2]  # a cut-off answer
                else:
                    status, headers, text = (
                        int(kind),
                        ({"Retry-After": arg} if arg else {}),
                        '{"message": "Too Many Attempts."}',
                    )
            entry["status"] = status
            data = text.encode("utf-8")
            self.send_response(status)
            for key, value in {"Content-Type": mime, **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
