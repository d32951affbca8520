"""A local stand-in for the Telegram Bot API (127.0.0.1), enough for a polling bot:
``/bot<token>/<method>`` with ``getMe``, ``deleteWebhook``, ``getUpdates`` (long poll),
``sendMessage``, ``answerCallbackQuery``, ``editMessageReplyMarkup``, ``setMyCommands``,
``setWebhook``;
any other method answers ``true``. Parameters arrive as JSON or as form fields with JSON
values, as the real server accepts. The test plays the listener: ``send_text`` and ``press``
queue updates, ``wait_for`` collects what the bot sent. ``flood_next`` answers the next
sendMessage calls with 429 and ``retry_after``, like Telegram's flood control."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

BOT_USER = {
    "id": 4242,
    "is_bot": True,
    "first_name": "Animusic",
    "username": "animusic_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class FakeTelegram:
    def __init__(self, token: str):
        self.token = token
        self.updates: list[dict] = []
        self.sent: list[dict] = []  # sendMessage calls, in order
        self.answers: list[dict] = []  # answerCallbackQuery calls
        self.calls: list[str] = []
        self.flood_next = 0
        self.webhook: dict | None = None  # the last setWebhook call
        self._next_update = 1
        self._next_message = 1000
        self._cond = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ the listener
    def _chat(self, chat_id: int) -> dict:
        return {"id": chat_id, "type": "private", "first_name": "Listener"}

    def _push(self, update: dict) -> None:
        with self._cond:
            update["update_id"] = self._next_update
            self._next_update += 1
            self.updates.append(update)
            self._cond.notify_all()

    def send_text(self, chat_id: int, text: str) -> None:
        message = {
            "message_id": self._message_id(),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "text": text,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Listener"},
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        self._push({"message": message})

    def press(self, chat_id: int, message: dict, data: str) -> None:
        """Press the inline button ``data`` under a message the bot sent."""
        self._push(
            {
                "callback_query": {
                    "id": str(self._message_id()),
                    "chat_instance": "ci",
                    "data": data,
                    "from": {"id": chat_id, "is_bot": False, "first_name": "Listener"},
                    "message": message["message"],
                }
            }
        )

    def wait_for(self, count: int, since: int, timeout: float = 30.0) -> list[dict]:
        """The bot's messages from index ``since``, once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.sent) - since < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    texts = [m["text"] for m in self.sent[since:]]
                    raise AssertionError(f"expected {count} messages, got {texts}")
                self._cond.wait(left)
            return self.sent[since : since + count]

    def _message_id(self) -> int:
        self._next_message += 1
        return self._next_message

    # ------------------------------------------------------------------ the server
    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _params(self) -> dict:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = self.headers.get("Content-Type", "")
                if "json" in kind:
                    return json.loads(raw or b"{}")
                params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                for key, value in params.items():
                    if value[:1] in ("{", "["):
                        params[key] = json.loads(value)
                return params

            def do_GET(self):
                self.do_POST()

            def do_POST(self):
                path = urlparse(self.path).path
                prefix = f"/bot{fake.token}/"
                if not path.startswith(prefix):
                    return self._reply(
                        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    )
                method = path[len(prefix) :]
                params = self._params()
                fake.calls.append(method)
                handler = getattr(self, f"_m_{method}", None)
                if handler is None:
                    return self._reply(200, {"ok": True, "result": True})
                handler(params)

            def _m_getMe(self, params):
                self._reply(200, {"ok": True, "result": BOT_USER})

            def _m_getUpdates(self, params):
                offset = int(params.get("offset") or 0)
                wait = min(float(params.get("timeout") or 0), 1.0)
                deadline = time.monotonic() + wait
                with fake._cond:
                    while True:
                        pending = [u for u in fake.updates if u["update_id"] >= offset]
                        left = deadline - time.monotonic()
                        if pending or left <= 0:
                            break
                        fake._cond.wait(left)
                self._reply(200, {"ok": True, "result": pending[:100]})

            def _m_sendMessage(self, params):
                if fake.flood_next > 0:
                    fake.flood_next -= 1
                    return self._reply(
                        429,
                        {
                            "ok": False,
                            "error_code": 429,
                            "description": "Too Many Requests: retry after 1",
                            "parameters": {"retry_after": 1},
                        },
                    )
                chat_id = int(params["chat_id"])
                message = {
                    "message_id": fake._message_id(),
                    "date": int(time.time()),
                    "chat": fake._chat(chat_id),
                    "from": BOT_USER,
                    "text": params.get("text", ""),
                }
                if params.get("reply_markup"):
                    message["reply_markup"] = params["reply_markup"]
                with fake._cond:
                    fake.sent.append(
                        {
                            "chat_id": chat_id,
                            "text": message["text"],
                            "buttons": [
                                b
                                for row in (params.get("reply_markup") or {}).get(
                                    "inline_keyboard", []
                                )
                                for b in row
                            ],
                            "message": message,
                        }
                    )
                    fake._cond.notify_all()
                self._reply(200, {"ok": True, "result": message})

            def _m_setWebhook(self, params):
                fake.webhook = params
                self._reply(200, {"ok": True, "result": True})

            def _m_answerCallbackQuery(self, params):
                fake.answers.append(params)
                self._reply(200, {"ok": True, "result": True})

            def _m_editMessageReplyMarkup(self, params):
                self._reply(200, {"ok": True, "result": True})

        return Handler
