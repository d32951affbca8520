"""What the bot remembers per chat, in one small JSON file (written atomically, mode 0600:
it holds session tokens): the linked listener and their token, the songs queued, and the
radio's pick list."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class ChatState:
    token: str | None = None
    username: str | None = None
    queue: list[dict] = field(default_factory=list)  # songs as the API describes them
    cursor: int = -1  # the song on screen
    mode: str = "playlist"  # where more songs come from: "playlist" or "radio"
    picks: list[dict] = field(default_factory=list)  # radio candidates awaiting a choice
    # bumped whenever queue or picks are replaced: buttons carry it, so a press on an older
    # card never acts on a song that now sits in the same slot
    version: int = 0


class ChatStore:
    def __init__(self, path: Path):
        self.path = path
        self.chats: dict[str, ChatState] = {}
        if path.is_file():
            try:
                raw = json.loads(path.read_text())
                self.chats = {k: ChatState(**v) for k, v in raw.items()}
            except (ValueError, TypeError):
                # a damaged file costs the links, not the bot: it says so and starts empty
                print(f"warning: ignoring unreadable bot state {path}", flush=True)

    def get(self, chat_id: int) -> ChatState:
        return self.chats.setdefault(str(chat_id), ChatState())

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".state-")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({k: asdict(v) for k, v in self.chats.items()}, f)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
