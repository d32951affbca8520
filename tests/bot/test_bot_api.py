"""The bot's API client: polite retries and one-line messages (in-memory transport)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from animusic_bot.api import BUSY, UNREACHABLE, AnimusicApi, ApiError, NotLinked
from animusic_bot.config import BotConfig, ConfigError, from_env


def run(answers: list, call, **config):
    async def main():
        def handler(request: httpx.Request) -> httpx.Response:
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer

        api = AnimusicApi(
            BotConfig(token="t", retry_seconds=0, **config), transport=httpx.MockTransport(handler)
        )
        try:
            return await call(api)
        finally:
            await api.close()

    return asyncio.run(main())


def test_429_is_waited_out_then_answered():
    answers = [
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(200, json={"items": [{"song_id": "s1"}]}),
    ]
    assert run(answers, lambda api: api.search("x")) == [{"song_id": "s1"}]


def test_429_beyond_the_bounded_wait_says_busy():
    with pytest.raises(ApiError, match=BUSY):
        run(
            [httpx.Response(429, headers={"Retry-After": "600"})],
            lambda api: api.search("x"),
            max_wait_seconds=10,
        )


def test_outage_is_retried_then_one_line():
    answers = [httpx.ConnectError("refused"), httpx.Response(502), httpx.Response(503)]
    with pytest.raises(ApiError) as caught:
        run(answers, lambda api: api.search("x"))
    assert str(caught.value) == UNREACHABLE and not answers


def test_401_is_not_linked_and_a_422_list_is_not_shown():
    with pytest.raises(NotLinked):
        run(
            [httpx.Response(401, json={"detail": "session token expired"})],
            lambda api: api.playlist("tok"),
        )
    with pytest.raises(ApiError, match="could not do that"):
        run(
            [httpx.Response(422, json={"detail": [{"loc": ["body"]}]})], lambda api: api.redeem("x")
        )


def test_config_from_env():
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        from_env({})
    with pytest.raises(ConfigError, match="ANIMUSIC_BOT_RETRY_SECONDS"):
        from_env({"TELEGRAM_BOT_TOKEN": "t", "ANIMUSIC_BOT_RETRY_SECONDS": "soon"})
    config = from_env({"TELEGRAM_BOT_TOKEN": "t", "TELEGRAM_API_URL": "http://127.0.0.1:9/"})
    assert config.telegram_base_url == "http://127.0.0.1:9/bot"
    assert config.api_url == "http://127.0.0.1:8000" and not config.dev_mode
