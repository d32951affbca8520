"""The Animusic HTTP API as the bot uses it (httpx, async), with polite retries.

A network error or a 5xx is retried with backoff, a 429 after its Retry-After (bounded);
what still fails is an ``ApiError`` whose message is one line for the chat."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from animusic_bot.config import BotConfig

UNREACHABLE = "Animusic is not reachable right now; try again in a minute."
BUSY = "Animusic is busy right now; try again in a minute."


class ApiError(RuntimeError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class NotLinked(ApiError):
    def __init__(self) -> None:
        super().__init__(
            401,
            "This chat is not linked (or the link expired): get a code on "
            "the Animusic page and send /start CODE.",
        )


class AnimusicApi:
    def __init__(self, config: BotConfig, transport: httpx.AsyncBaseTransport | None = None):
        self.config = config
        self.http = httpx.AsyncClient(
            base_url=config.api_url,
            transport=transport,
            timeout=config.api_timeout_seconds,
            headers={"User-Agent": "animusic-bot/0.1"},
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        waited, attempts = 0.0, 3
        for attempt in range(attempts):
            try:
                response = await self.http.request(method, path, headers=headers, **kwargs)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 429:
                wait = _retry_after(response.headers.get("Retry-After"))
                if attempt == attempts - 1 or waited + wait > self.config.max_wait_seconds:
                    raise ApiError(429, BUSY)
            elif response is not None and response.status_code < 500:
                return self._result(response)
            else:
                wait = self.config.retry_seconds * 2**attempt
                if attempt == attempts - 1:
                    break
            waited += wait
            await asyncio.sleep(wait)
        raise ApiError(503, UNREACHABLE)

    @staticmethod
    def _result(response: httpx.Response) -> Any:
        if response.status_code == 401:
            raise NotLinked()
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            detail = body.get("detail") if isinstance(body, dict) else None
            if not isinstance(detail, str):  # a 422 list: not for the chat
                detail = "Animusic could not do that."
            raise ApiError(response.status_code, detail)
        return body

    # ------------------------------------------------------------------ endpoints
    async def redeem(self, code: str) -> dict:
        return await self.call("POST", "/link/redeem", json={"code": code})

    async def dev_link(self, username: str) -> dict:
        return await self.call("POST", "/link/dev", json={"anilist_username": username})

    async def import_list(self, token: str, site: str, username: str) -> dict:
        return await self.call("POST", f"/import/{site}", token, json={"username": username})

    async def playlist(self, token: str) -> dict:
        return await self.call("GET", "/playlist", token)

    async def feedback(self, token: str, song: dict, liked: bool, opened: bool = False) -> dict:
        body = {
            "song_id": song["song_id"],
            "recommended_by": song["recommended_by"],
            "watch_time": 0,
            "total_video_time": 0,
            "liked": liked,
            "opened": opened,
        }
        if song.get("playlist_id"):
            body.update(playlist_id=song["playlist_id"], position=song.get("position"))
        return await self.call("POST", "/feedback", token, json=body)

    async def search(self, query: str, limit: int = 6) -> list[dict]:
        body = await self.call("GET", "/songs/search", params={"q": query, "limit": limit})
        return list(body.get("items") or [])

    async def similar(self, song_id: str, k: int = 10) -> list[dict]:
        body = await self.call("GET", f"/songs/{song_id}/similar", params={"k": k})
        return list(body.get("items") or [])


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0
