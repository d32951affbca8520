"""Local stand-ins for AniList GraphQL, the MAL API and MAL's public list JSON
(``/animelist/<name>/load.json``), on 127.0.0.1 (a thread per server)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class SiteStub:
    """``tokens``: AniList access token -> (id, name); ``anilist_lists``: name -> entries;
    ``mal_lists``: name -> [(mal_id, status)], served in pages of ``mal_page``;
    ``mal_public_lists``: name -> [(anime_id, numeric status)] served by load.json in pages
    of 300 (``mal_private``: names whose list is private, 403); ``rate_limited``: answer 429
    to everything. ``times``: (path, monotonic time) of every request."""

    def __init__(self):
        self.tokens: dict[str, tuple[int, str]] = {}
        self.anilist_lists: dict[str, list[dict]] = {}
        self.mal_lists: dict[str, list[tuple[int, str]]] = {}
        self.mal_page = 2
        self.mal_public_lists: dict[str, list[tuple[int, int]]] = {}
        self.mal_private: set[str] = set()
        self.rate_limited = False
        self.requests: list[str] = []
        self.times: list[tuple[str, float]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # AniList GraphQL
                stub.requests.append(self.path)
                if stub.rate_limited:
                    return self._send(429, {"errors": [{"status": 429}]}, {"Retry-After": "1"})
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                if "Viewer" in body["query"]:
                    token = self.headers.get("authorization", "").removeprefix("Bearer ")
                    if token not in stub.tokens:
                        return self._send(
                            400,
                            {
                                "data": {"Viewer": None},
                                "errors": [{"message": "Invalid token", "status": 400}],
                            },
                        )
                    uid, name = stub.tokens[token]
                    return self._send(200, {"data": {"Viewer": {"id": uid, "name": name}}})
                name = body["variables"]["name"]
                if name not in stub.anilist_lists:
                    return self._send(
                        404,
                        {
                            "data": {"MediaListCollection": None},
                            "errors": [{"message": "User not found", "status": 404}],
                        },
                    )
                return self._send(
                    200,
                    {
                        "data": {
                            "MediaListCollection": {
                                "lists": [{"entries": stub.anilist_lists[name]}]
                            }
                        }
                    },
                )

            def do_GET(self):  # MAL API v2, or the public list JSON
                stub.requests.append(self.path)
                stub.times.append((self.path, time.monotonic()))
                if stub.rate_limited:
                    return self._send(429, {"error": "too_many"}, {"Retry-After": "1"})
                url = urlparse(self.path)
                if url.path.startswith("/animelist/"):
                    return self._public_list(url)
                parts = url.path.strip("/").split("/")  # v2/users/<name>/animelist
                if self.headers.get("x-mal-client-id") != "mal-client":
                    return self._send(403, {"error": "forbidden"})
                name = parts[2]
                if name not in stub.mal_lists:
                    return self._send(404, {"error": "not_found"})
                offset = int(parse_qs(url.query).get("offset", ["0"])[0])
                entries = stub.mal_lists[name]
                page = entries[offset : offset + stub.mal_page]
                body = {
                    "data": [
                        {"node": {"id": i, "title": f"A{i}"}, "list_status": {"status": s}}
                        for i, s in page
                    ],
                    "paging": {},
                }
                if offset + stub.mal_page < len(entries):
                    body["paging"]["next"] = (
                        f"{stub.mal_url}/users/{name}/animelist?offset={offset + stub.mal_page}"
                    )
                return self._send(200, body)

            def _public_list(self, url):
                # /animelist/<name>/load.json?status=7&offset=N, as myanimelist.net answers
                name = url.path.split("/")[2]
                query = parse_qs(url.query)
                if name in stub.mal_private:
                    return self._send(403, {"errors": [{"message": "forbidden"}]})
                if name not in stub.mal_public_lists or query.get("status") != ["7"]:
                    return self._send(400, {"errors": [{"message": "invalid request"}]})
                offset = int(query.get("offset", ["0"])[0])
                page = stub.mal_public_lists[name][offset : offset + 300]
                return self._send(
                    200,
                    [
                        {"anime_id": i, "status": s, "score": 0, "anime_title": f"A{i}"}
                        for i, s in page
                    ],
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.anilist_url = f"http://127.0.0.1:{self.port}/graphql"
        self.mal_url = f"http://127.0.0.1:{self.port}/v2"
        self.mal_web_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def settings(self) -> dict:
        return {
            "anilist_graphql_url": self.anilist_url,
            "mal_api_url": self.mal_url,
            "mal_web_url": self.mal_web_url,
            "mal_client_id": "mal-client",
            "anilist_min_interval_seconds": 0,
            "mal_min_interval_seconds": 0,
        }

    def close(self):
        self.server.shutdown()
        self.server.server_close()
