"""Link another client (the Telegram bot) to a listener without handing it a password.

The signed-in web page asks ``POST /link/code`` for a one-time code (8 characters, 10
minutes) and shows it; the listener sends it to the bot (``/start CODE``), and the bot trades
it at ``POST /link/redeem`` for a session token of that listener, which it then sends as
``Authorization: Bearer`` like any client. A code works once. In dev mode only,
``POST /link/dev`` issues a session token for a named user (the local demo's "type a name").
``GET /link/status`` names the bot (``ANIMUSIC_TELEGRAM_BOT_USERNAME``) or says none runs with
this server, so the page never hands out a code for a bot the listener cannot find.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, StringConstraints

from animusic_serving.api.auth import AUTH_RESPONSES, CurrentUser
from animusic_serving.api.deps import SessionDep
from animusic_serving.api.schemas import Username
from animusic_serving.db import account_queries as q
from animusic_serving.db import queries

router = APIRouter(tags=["link"])
# no 0/O, 1/I/L: the code is read off a screen and typed into a chat
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

Code = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_upper=True,
        min_length=4,
        max_length=16,
        pattern=r"^[A-Za-z0-9-]+$",
    ),
]


class TelegramBotOut(BaseModel):
    configured: bool = Field(description="false: no Telegram bot runs with this server")
    bot_username: str | None = Field(description="the bot to send /start CODE to")
    bot_url: str | None = Field(description="https://t.me/<bot_username>")


class LinkCodeOut(TelegramBotOut):
    code: str
    expires_at: dt.datetime


def _bot(request: Request) -> TelegramBotOut:
    name = request.app.state.settings.telegram_bot_username
    return TelegramBotOut(
        configured=name is not None,
        bot_username=name,
        bot_url=f"https://t.me/{name}" if name else None,
    )


@router.get("/link/status", response_model=TelegramBotOut)
def status(request: Request) -> TelegramBotOut:
    """Whether a Telegram bot runs with this server, and which."""
    return _bot(request)


class RedeemIn(BaseModel):
    code: Code


class DevLinkIn(BaseModel):
    anilist_username: Username


class LinkedOut(BaseModel):
    session_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime
    anilist_username: str


@router.post(
    "/link/code",
    response_model=LinkCodeOut,
    responses=AUTH_RESPONSES,
)
def create_code(
    principal: CurrentUser,
    session: SessionDep,
    request: Request,
    anilist_username: Username | None = None,
) -> LinkCodeOut:
    user = queries.get_or_create_user(session, principal.resolve(anilist_username))
    principal.check(user.anilist_id)
    ttl = dt.timedelta(seconds=request.app.state.settings.link_code_ttl_seconds)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = q.create_link_code(session, user.id, code, ttl)
    session.commit()
    # a code is issued even without a configured bot: an API client may run its own
    return LinkCodeOut(code=row.code, expires_at=row.expires_at, **_bot(request).model_dump())


def _linked(request: Request, username: str, anilist_id: int | None) -> LinkedOut:
    token, expires = request.app.state.signer.issue(username, anilist_id)
    return LinkedOut(
        session_token=token,
        anilist_username=username,
        expires_at=dt.datetime.fromtimestamp(expires, dt.UTC),
    )


@router.post(
    "/link/redeem",
    response_model=LinkedOut,
    responses={404: {"description": "unknown, used or expired code"}},
)
def redeem(body: RedeemIn, session: SessionDep, request: Request) -> LinkedOut:
    user = q.redeem_link_code(session, body.code.replace("-", ""))
    session.commit()  # used up even when expired
    if user is None:
        raise HTTPException(
            404, detail="this code is unknown, used or expired; get a new one on the Animusic page"
        )
    return _linked(request, user.username, user.anilist_id)


@router.post(
    "/link/dev", response_model=LinkedOut, responses={404: {"description": "not in dev mode"}}
)
def dev_link(body: DevLinkIn, session: SessionDep, request: Request) -> LinkedOut:
    if not request.app.state.settings.dev_mode:
        raise HTTPException(
            404, detail="linking by name works only in dev mode; use a code from the Animusic page"
        )
    user = queries.get_or_create_user(session, body.anilist_username)
    session.commit()
    return _linked(request, user.username, user.anilist_id)
