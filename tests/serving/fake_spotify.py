"""A local stand-in for Spotify's accounts service and Web API (127.0.0.1, one thread per
request), shaped like the real ones: ``/authorize`` (auto-consent, redirects with a code),
``/api/token`` (authorization_code with PKCE S256 verification, refresh_token with rotation,
``invalid_grant`` for a revoked grant), and under ``/v1``: ``GET /me``, ``GET /search``,
``POST /me/playlists``, ``GET /playlists/{id}``, ``PUT``/``POST /playlists/{id}/items`` (at
most 100 items a request). Faults to inject: expired access tokens (401), ``rate_limit`` (429
with Retry-After), ``fail_paths`` (503 for paths containing a string), revoked grants."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


@dataclass
class Track:
    uri: str
    name: str
    artists: list[str]


@dataclass
class FakeSpotify:
    client_id: str = "test-client-id"
    tracks: list[Track] = field(default_factory=list)
    expires_in: int = 3600
    rate_limit: int = 0  # the next N Web API requests answer 429
    retry_after: int = 1
    fail_paths: set[str] = field(default_factory=set)  # 503 for these
    log: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    playlists: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._codes: dict[str, dict] = {}
        self._access: dict[str, bool] = {}  # token -> still valid
        self._refresh: set[str] = set()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ control
    def start(self) -> FakeSpotify:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._access = dict.fromkeys(self._access, False)

    def revoke_grants(self) -> None:
        with self._lock:
            self._refresh.clear()
            self._access = dict.fromkeys(self._access, False)

    def issued_tokens(self) -> list[str]:
        return list(self._access) + list(self._refresh)

    def count(self, method: str, path_prefix: str, status: int | None = None) -> int:
        return sum(
            1
            for m, p, s in self.log
            if m == method and p.startswith(path_prefix) and (status is None or s == status)
        )

    # ------------------------------------------------------------------ server
    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict | None = None, headers: dict | None = None):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                fake.log.append((self.command, urlparse(self.path).path, status))

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _error(self, status: int, message: str, headers: dict | None = None):
                self._send(status, {"error": {"status": status, "message": message}}, headers)

            def do_GET(self):
                url = urlparse(self.path)
                if url.path == "/authorize":
                    return self._authorize(parse_qs(url.query))
                self._api("GET", url.path, parse_qs(url.query), None)

            def do_POST(self):
                url = urlparse(self.path)
                if url.path == "/api/token":
                    return self._token(parse_qs(self._body().decode()))
                self._api("POST", url.path, {}, json.loads(self._body() or b"{}"))

            def do_PUT(self):
                url = urlparse(self.path)
                self._api("PUT", url.path, {}, json.loads(self._body() or b"{}"))

            # --------------------------------------------------------- accounts
            def _authorize(self, query):
                one = {k: v[0] for k, v in query.items()}
                if (
                    one.get("client_id") != fake.client_id
                    or one.get("response_type") != "code"
                    or one.get("code_challenge_method") != "S256"
                    or not one.get("code_challenge")
                    or not one.get("redirect_uri")
                ):
                    return self._send(400, {"error": "invalid_request"})
                code = secrets.token_urlsafe(16)
                fake._codes[code] = one
                location = (
                    one["redirect_uri"]
                    + "?"
                    + urlencode({"code": code, "state": one.get("state", "")})
                )
                self._send(302, None, {"Location": location})

            def _issue(self):
                access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
                with fake._lock:
                    fake._access[access] = True
                    fake._refresh.add(refresh)
                self._send(
                    200,
                    {
                        "access_token": access,
                        "token_type": "Bearer",
                        "scope": "playlist-modify-private playlist-read-private",
                        "expires_in": fake.expires_in,
                        "refresh_token": refresh,
                    },
                )

            def _token(self, form):
                one = {k: v[0] for k, v in form.items()}
                if one.get("client_id") != fake.client_id:
                    return self._send(400, {"error": "invalid_client"})
                if one.get("grant_type") == "authorization_code":
                    pending = fake._codes.pop(one.get("code", ""), None)
                    verifier = one.get("code_verifier", "")
                    challenge = (
                        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                        .rstrip(b"=")
                        .decode()
                    )
                    if (
                        pending is None
                        or pending["redirect_uri"] != one.get("redirect_uri")
                        or pending["code_challenge"] != challenge
                    ):
                        return self._send(
                            400,
                            {
                                "error": "invalid_grant",
                                "error_description": "code_verifier was incorrect",
                            },
                        )
                    return self._issue()
                if one.get("grant_type") == "refresh_token":
                    with fake._lock:
                        known = one.get("refresh_token") in fake._refresh
                        fake._refresh.discard(one.get("refresh_token"))  # rotated: single use
                    if not known:
                        return self._send(
                            400,
                            {
                                "error": "invalid_grant",
                                "error_description": "Refresh token revoked",
                            },
                        )
                    return self._issue()
                self._send(400, {"error": "unsupported_grant_type"})

            # --------------------------------------------------------- Web API
            def _api(self, method, path, query, body):
                if not path.startswith("/v1/"):
                    return self._error(404, "Service not found")
                path = path.removeprefix("/v1")
                if any(p in path for p in fake.fail_paths):
                    return self._error(503, "Service unavailable")
                if fake.rate_limit > 0:
                    fake.rate_limit -= 1
                    return self._error(
                        429, "API rate limit exceeded", {"Retry-After": str(fake.retry_after)}
                    )
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if not fake._access.get(token):
                    return self._error(401, "The access token expired")
                if method == "GET" and path == "/me":
                    return self._send(200, {"id": "listener1", "display_name": "Listener"})
                if method == "GET" and path == "/search":
                    return self._search({k: v[0] for k, v in query.items()})
                if method == "POST" and path == "/me/playlists":
                    pid = secrets.token_hex(11)
                    fake.playlists[pid] = {
                        "id": pid,
                        "name": body["name"],
                        "public": body.get("public", True),
                        "description": body.get("description"),
                        "items": [],
                    }
                    return self._send(
                        201, {"id": pid, "name": body["name"], "public": body.get("public", True)}
                    )
                match = re.fullmatch(r"/playlists/(\w+)(/items)?", path)
                if match is None or match.group(1) not in fake.playlists:
                    return self._error(404, "Resource not found")
                playlist = fake.playlists[match.group(1)]
                if not match.group(2):
                    return self._send(200, {"id": playlist["id"], "name": playlist["name"]})
                uris = (body or {}).get("uris") or []
                if len(uris) > 100:
                    return self._error(400, "You can add a maximum of 100 tracks per request.")
                if method == "PUT":
                    playlist["items"] = list(uris)
                    return self._send(200, {"snapshot_id": secrets.token_hex(8)})
                if method == "POST":
                    playlist["items"].extend(uris)
                    return self._send(201, {"snapshot_id": secrets.token_hex(8)})
                self._error(405, "Method not allowed")

            def _search(self, query):
                q = query.get("q", "")
                limit = min(int(query.get("limit", 5)), 10)
                fields = dict(re.findall(r'(track|artist):"([^"]*)"', q))
                free = _norm(re.sub(r'(track|artist):"[^"]*"', " ", q))
                hits = []
                for track in fake.tracks:
                    name, artists = _norm(track.name), _norm(" ".join(track.artists))
                    if "track" in fields and _norm(fields["track"]) not in name:
                        continue
                    if "artist" in fields and _norm(fields["artist"]) not in artists:
                        continue
                    if free and not all(w in f"{name} {artists}" for w in free.split()):
                        continue
                    hits.append(track)
                items = [
                    {
                        "uri": t.uri,
                        "name": t.name,
                        "type": "track",
                        "artists": [{"name": a} for a in t.artists],
                    }
                    for t in hits[:limit]
                ]
                self._send(
                    200,
                    {"tracks": {"items": items, "total": len(hits), "limit": limit, "offset": 0}},
                )

        return Handler
