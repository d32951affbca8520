"""Local stand-ins for AniList GraphQL and the MAL API (127.0.0.1, a thread per server)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class SiteStub:
    """``tokens``: AniList access token -> (id, name); ``anilist_lists``: name -> entries;
    ``mal_lists``: name -> [(mal_id, status)], served in pages of ``mal_page``;
    ``rate_limited``: answer 429 to everything."""

    def __init__(self):
        self.tokens: dict[str, tuple[int, str]] = {}
        self.anilist_lists: dict[str, list[dict]] = {}
        self.mal_lists: dict[str, list[tuple[int, str]]] = {}
        self.mal_page = 2
        self.rate_limited = False
        self.requests: list[str] = []
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
                        return self._send(400, {"data": {"Viewer": None}, "errors": [
                            {"message": "Invalid token", "status": 400}]})
                    uid, name = stub.tokens[token]
                    return self._send(200, {"data": {"Viewer": {"id": uid, "name": name}}})
                name = body["variables"]["name"]
                if name not in stub.anilist_lists:
                    return self._send(404, {"data": {"MediaListCollection": None}, "errors": [
                        {"message": "User not found", "status": 404}]})
                return self._send(200, {"data": {"MediaListCollection": {"lists": [
                    {"entries": stub.anilist_lists[name]}]}}})

            def do_GET(self):  # MAL API v2
                stub.requests.append(self.path)
                if stub.rate_limited:
                    return self._send(429, {"error": "too_many"}, {"Retry-After": "1"})
                url = urlparse(self.path)
                parts = url.path.strip("/").split("/")  # v2/users/<name>/animelist
                if self.headers.get("x-mal-client-id") != "mal-client":
                    return self._send(403, {"error": "forbidden"})
                name = parts[2]
                if name not in stub.mal_lists:
                    return self._send(404, {"error": "not_found"})
                offset = int(parse_qs(url.query).get("offset", ["0"])[0])
                entries = stub.mal_lists[name]
                page = entries[offset:offset + stub.mal_page]
                body = {"data": [{"node": {"id": i, "title": f"A{i}"},
                                  "list_status": {"status": s}} for i, s in page],
                        "paging": {}}
                if offset + stub.mal_page < len(entries):
                    body["paging"]["next"] = (f"{stub.mal_url}/users/{name}/animelist?"
                                              f"offset={offset + stub.mal_page}")
                return self._send(200, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.anilist_url = f"http://127.0.0.1:{self.port}/graphql"
        self.mal_url = f"http://127.0.0.1:{self.port}/v2"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def settings(self) -> dict:
        return {"anilist_graphql_url": self.anilist_url, "mal_api_url": self.mal_url,
                "mal_client_id": "mal-client", "anilist_min_interval_seconds": 0,
                "mal_min_interval_seconds": 0}

    def close(self):
        self.server.shutdown()
        self.server.server_close()
