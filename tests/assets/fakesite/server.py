"""A local fake of MAL (API + pages), AniDB, YouTube, AniList and AnimeThemes on 127.0.0.1.

One HTTP server per site (so each site is its own "host"), serving pages at the real URL
paths, with injectable faults per path (429 with Retry-After, 503, ban page, timeout, slow
answer, hang, JS-only page) and a request log shared by all sites.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tests.assets.fakesite import pages
from tests.assets.fakesite.animethemes import FakeAnimeThemes
from tests.assets.fakesite.animethemes_pages import catalog_from_fake_sites

SITES = ("mal_api", "mal_web", "anidb", "youtube", "anilist")


class FakeSites:
    def __init__(self, n_anime: int = 12):
        self.catalog = pages.make_catalog(n_anime)
        self.by_mal = {a["mal_id"]: a for a in self.catalog}
        self.by_aid = {a["aid"]: a for a in self.catalog}
        self.log: list[dict] = []
        self.faults: dict[str, list[str]] = {}  # "site:path-prefix" -> actions, consumed in order
        self.english_only: set[int] = set()  # mal ids whose romaji search finds nothing relevant
        self.hidden_likes: set[str] = set()
        self.lock = threading.Lock()
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self.animethemes = FakeAnimeThemes(catalog_from_fake_sites(self.catalog))

    def start(self) -> FakeSites:
        for site in SITES:
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self, site))
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers[site] = server
        self.animethemes.start()
        return self

    def stop(self) -> None:
        self.animethemes.stop()
        for server in self.servers.values():
            server.shutdown()
            server.server_close()

    def base(self, site: str) -> str:
        if site == "animethemes":
            return self.animethemes.base
        return f"http://127.0.0.1:{self.servers[site].server_address[1]}"

    def inject(self, site: str, path_prefix: str, *actions: str) -> None:
        self.faults.setdefault(f"{site}:{path_prefix}", []).extend(actions)

    def requests(self, site: str | None = None) -> list[dict]:
        with self.lock:
            return [r for r in self.log if site is None or r["site"] == site]

    def _fault(self, site: str, path: str) -> str | None:
        with self.lock:
            for key, actions in self.faults.items():
                if key.startswith(site + ":") and path.startswith(key.split(":", 1)[1]) and actions:
                    return actions.pop(0)
        return None

    # -- routing ----------------------------------------------------------------------------
    def route(
        self, site: str, method: str, path: str, headers, body: bytes
    ) -> tuple[int, dict, str]:
        url = urlparse(path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if site == "mal_api":
            if not headers.get("X-MAL-CLIENT-ID"):
                return 401, {}, json.dumps({"error": "invalid_client"})
            if url.path == "/v2/anime/ranking":
                return (
                    200,
                    {},
                    json.dumps(
                        pages.ranking_json(
                            self.catalog, int(query.get("offset", 0)), int(query.get("limit", 100))
                        )
                    ),
                )
            match = re.fullmatch(r"/v2/anime/(\d+)", url.path)
            if match and int(match.group(1)) in self.by_mal:
                return 200, {}, json.dumps(pages.details_json(self.by_mal[int(match.group(1))]))
        elif site == "mal_web":
            match = re.fullmatch(r"/anime/(\d+)", url.path)
            if match and int(match.group(1)) in self.by_mal:
                return 200, {}, pages.mal_page_html(self.by_mal[int(match.group(1))])
        elif site == "anidb":
            match = re.fullmatch(r"/anime/(\d+)", url.path)
            if match and int(match.group(1)) in self.by_aid:
                return 200, {}, pages.anidb_html(self.by_aid[int(match.group(1))])
        elif site == "youtube":
            if url.path == "/results":
                return 200, {}, pages.search_html(self._videos_for(query.get("search_query", "")))
            if url.path == "/watch":
                vid = query.get("v", "")
                return (
                    200,
                    {},
                    pages.watch_html(
                        vid, 10_000 + len(vid) * 1000, None if vid in self.hidden_likes else 321
                    ),
                )
        elif site == "anilist" and method == "POST":
            entries = [
                {"status": "COMPLETED", "score": 9, "media": {"id": 1, "idMal": a["mal_id"]}}
                for a in self.catalog[:3]
            ]
            entries.append({"status": "PLANNING", "score": 0, "media": {"id": 2, "idMal": None}})
            payload = {
                "data": {
                    "MediaListCollection": {"lists": [{"name": "Completed", "entries": entries}]}
                }
            }
            return (
                200,
                {"X-RateLimit-Remaining": "29", "X-RateLimit-Limit": "30"},
                json.dumps(payload),
            )
        return 404, {}, "<html><body>404 Not Found</body></html>"

    def _videos_for(self, q: str) -> list[dict]:
        videos = [{"id": "irrelevant1", "title": "Top 10 anime fights", "views": 5_000_000}]
        for a in self.catalog:
            if a["title"] in q and a["mal_id"] in self.english_only:
                return videos
            for s in a["songs"]:
                if s["title"] in q and (a["title"] in q or a["english"] in q):
                    videos.append(
                        {
                            "id": f"v{s['id']:010d}",
                            "title": f"{a['title']} - {s['title']} (Full)",
                            "views": 12_345,
                        }
                    )
        return videos


def _handler(fake: FakeSites, site: str):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _serve(self, method: str):
            body = (
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if method == "POST"
                else b""
            )
            entry = {
                "site": site,
                "method": method,
                "path": self.path,
                "t": time.time(),
                "status": None,
            }
            with fake.lock:
                fake.log.append(entry)
            fault = fake._fault(site, self.path)
            status, headers, text = fake.route(site, method, self.path, self.headers, body)
            if fault:
                kind, _, arg = fault.partition("=")
                if kind in ("timeout", "hang", "slow"):
                    time.sleep(float(arg or 5))
                    if kind != "slow":
                        entry["status"] = kind
                        return  # never answer
                elif kind == "ban":
                    status, headers, text = 200, {}, pages.BAN_PAGE
                elif kind == "js":
                    status, headers, text = (
                        200,
                        {},
                        pages.mal_js_shell(fake.by_mal[int(self.path.rsplit("/", 1)[1])]),
                    )
                else:
                    status, headers, text = (
                        int(kind),
                        ({"Retry-After": arg} if arg else {}),
                        "<html>error</html>",
                    )
            entry["status"] = status
            data = text.encode("utf-8")
            self.send_response(status)
            for key, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

    return Handler


def max_in_window(times: list[float], window_s: float) -> int:
    """The most requests seen in any window of ``window_s`` seconds."""
    times, best, j = sorted(times), 0, 0
    for i, t in enumerate(times):
        while times[j] < t - window_s + 1e-9:
            j += 1
        best = max(best, i - j + 1)
    return best
