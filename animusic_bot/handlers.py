"""Commands and button presses. Every handler answers the chat in one or two lines, whatever
fails: the API's own message, "not linked", or "not reachable"; never a stack trace."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from animusic_bot import texts
from animusic_bot.api import AnimusicApi, ApiError, NotLinked
from animusic_bot.config import BotConfig
from animusic_bot.state import ChatState, ChatStore

log = logging.getLogger(__name__)


class Bot:
    """The handlers with what they share: the API client, the chat store, the settings."""

    def __init__(self, config: BotConfig, api: AnimusicApi, store: ChatStore):
        self.config, self.api, self.store = config, api, store

    # ------------------------------------------------------------------ sending
    async def say(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        text: str,
        buttons: list[list[tuple[str, str]]] | None = None,
    ) -> None:
        """Send, waiting out Telegram's flood control (bounded) and retrying a network
        error twice; a message that still cannot go is logged, not raised."""
        markup = (
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(label, callback_data=data) for label, data in row]
                    for row in buttons
                ]
            )
            if buttons
            else None
        )
        for attempt in range(3):
            try:
                await context.bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    disable_web_page_preview=True,
                )
                return
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else wait
                await asyncio.sleep(min(float(seconds), self.config.max_wait_seconds))
            except NetworkError:
                await asyncio.sleep(self.config.retry_seconds * 2**attempt)
        log.warning("could not send a message to chat %s", chat_id)

    def chat(self, update: Update) -> tuple[int, ChatState]:
        chat_id = update.effective_chat.id  # type: ignore[union-attr]
        return chat_id, self.store.get(chat_id)

    async def guarded(self, update: Update, context: ContextTypes.DEFAULT_TYPE, action) -> None:
        """Run ``action``; an API failure becomes its one-line message."""
        chat_id, state = self.chat(update)
        try:
            await action(chat_id, state)
        except NotLinked as exc:
            state.token = None
            self.store.save()
            await self.say(context, chat_id, str(exc))
        except ApiError as exc:
            await self.say(context, chat_id, texts.escape(str(exc)))

    # ------------------------------------------------------------------ commands
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        arg = " ".join(context.args or []).strip()

        async def action(chat_id: int, state: ChatState) -> None:
            if not arg:
                hint = (
                    " (dev mode: /start YOUR_ANILIST_NAME works too)"
                    if self.config.dev_mode
                    else ""
                )
                await self.say(
                    context,
                    chat_id,
                    "Hi! Link this chat to your Animusic "
                    "listener: open the Animusic page, click <b>Telegram code</b> "
                    f"and send /start CODE{hint}.\n\n{texts.HELP}",
                )
                return
            linked = None
            if texts.looks_like_code(arg):
                try:
                    linked = await self.api.redeem(arg.upper())
                except ApiError as exc:
                    if exc.status != 404 or not self.config.dev_mode:
                        raise
            if linked is None:
                if not self.config.dev_mode:
                    raise ApiError(
                        400,
                        "That is not a link code: the Animusic page shows one "
                        "(8 letters and digits).",
                    )
                linked = await self.api.dev_link(arg)
            state.token, state.username = linked["session_token"], linked["anilist_username"]
            self.store.save()
            await self.say(
                context,
                chat_id,
                f"Linked to <b>{texts.escape(state.username)}"
                "</b>. Try /import NAME, /playlist or /radio TITLE.",
            )

        await self.guarded(update, context, action)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.say(context, self.chat(update)[0], texts.HELP)

    async def import_list(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        args = list(context.args or [])
        site = "anilist"
        if args and args[0].lower() in ("mal", "anilist"):
            site = args.pop(0).lower()

        async def action(chat_id: int, state: ChatState) -> None:
            if len(args) != 1:
                await self.say(
                    context,
                    chat_id,
                    "Usage: /import NAME (AniList) or /import mal NAME (MyAnimeList).",
                )
                return
            token = self._token(state)
            body = await self.api.import_list(token, site, args[0])
            where = "MyAnimeList" if site == "mal" else "AniList"
            await self.say(
                context,
                chat_id,
                f"Imported {body['anime_count']} anime from "
                f"{where} user <b>{texts.escape(args[0])}</b>. Now /playlist.",
            )

        await self.guarded(update, context, action)

    async def playlist(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        async def action(chat_id: int, state: ChatState) -> None:
            await self._load_playlist(state)
            await self.send_next(context, chat_id, state)

        await self.guarded(update, context, action)

    async def radio(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = " ".join(context.args or []).strip()

        async def action(chat_id: int, state: ChatState) -> None:
            if not query:
                await self.say(
                    context,
                    chat_id,
                    "Tell me where to start: /radio followed by "
                    "a song, an anime or an artist, e.g. "
                    "/radio Unravel",
                )
                return
            found = await self.api.search(query[:200])
            if not found:
                await self.say(
                    context,
                    chat_id,
                    f"No song matches “{texts.escape(query)}”. "
                    "Try fewer words, a song title, an anime title or an artist.",
                )
                return
            exact = [s for s in found if (s.get("title") or "").casefold() == query.casefold()]
            if len(found) == 1 or len(exact) == 1:
                await self.start_radio(context, chat_id, state, (exact or found)[0])
                return
            state.picks, state.version = found, state.version + 1
            self.store.save()
            await self.say(
                context,
                chat_id,
                "Which one do you mean?",
                [[(texts.pick_label(s), f"pick:{state.version}:{i}")] for i, s in enumerate(found)],
            )

        await self.guarded(update, context, action)

    async def unknown(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        text = (
            (update.effective_message.text or "").split()[0]
            if update.effective_message and update.effective_message.text
            else "that"
        )
        await self.say(
            context,
            self.chat(update)[0],
            f"I don't know {texts.escape(text)}. Send /help to see what I can do.",
        )

    async def chatter(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.say(
            context, self.chat(update)[0], "I answer commands: /playlist, /radio TITLE, /help."
        )

    # ------------------------------------------------------------------ buttons
    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        kind, _, rest = (query.data or "").partition(":")
        version, _, number = rest.partition(":")
        chat_id, state = self.chat(update)
        notice = ""
        try:
            index = int(number)
            if version != str(state.version):
                notice = "That button is out of date."
            elif kind == "pick" and 0 <= index < len(state.picks):
                song, state.picks = state.picks[index], []
                await self.start_radio(context, chat_id, state, song)
            elif kind in ("like", "skip", "next") and 0 <= index < len(state.queue):
                song = state.queue[index]
                # like: a like; skip: "not for me", a 0 s play (the API's skip); next: the
                # listener had the link and moved on: recorded as opened with 0 s, as the web
                # page records an immediate Next (the bot cannot know how long they listened)
                await self.api.feedback(
                    self._token(state), song, liked=kind == "like", opened=kind == "next"
                )
                notice = {"like": "👍 liked", "skip": "👎 skipped", "next": ""}[kind]
                await _drop_buttons(query)
                if index == state.cursor:
                    await self.send_next(context, chat_id, state)
            else:
                notice = "That button is out of date."
        except NotLinked as exc:
            state.token = None
            self.store.save()
            notice = "Not linked"
            await self.say(context, chat_id, str(exc))
        except (ApiError, ValueError) as exc:
            notice = "Failed"
            await self.say(
                context,
                chat_id,
                texts.escape(str(exc))
                if isinstance(exc, ApiError)
                else "That button is out of date.",
            )
        try:
            await query.answer(notice or None)
        except TelegramError:
            pass  # an answer is a courtesy (the spinner stops by itself)

    # ------------------------------------------------------------------ songs
    def _token(self, state: ChatState) -> str:
        if not state.token:
            raise NotLinked()
        return state.token

    async def _load_playlist(self, state: ChatState) -> None:
        body = await self.api.playlist(self._token(state))
        state.queue = [
            {**item, "playlist_id": body.get("playlist_id")} for item in body.get("items") or []
        ]
        state.version += 1
        state.cursor, state.mode = -1, "playlist"
        self.store.save()

    async def start_radio(self, context, chat_id: int, state: ChatState, seed: dict) -> None:
        songs = await self.api.similar(seed["song_id"])
        state.queue, state.cursor, state.mode, state.picks = songs, -1, "radio", []
        state.version += 1
        self.store.save()
        await self.say(
            context,
            chat_id,
            f"📻 Radio from <b>{texts.escape(seed['title'])}</b> "
            f"({texts.escape(seed.get('anime_title') or '')}): "
            f"{len(songs)} songs like it.",
        )
        await self.send_next(context, chat_id, state)

    async def send_next(self, context, chat_id: int, state: ChatState) -> None:
        state.cursor += 1
        if state.cursor >= len(state.queue):
            if state.mode == "radio" or not state.token:
                state.cursor = len(state.queue)
                self.store.save()
                await self.say(
                    context,
                    chat_id,
                    "That's all for now: /playlist for more, or /radio TITLE for another radio.",
                )
                return
            await self._load_playlist(state)
            state.cursor = 0
            if not state.queue:
                await self.say(context, chat_id, "No more songs to recommend right now.")
                return
        self.store.save()
        await self.say(
            context,
            chat_id,
            texts.song_card(state.queue[state.cursor]),
            texts.song_buttons(state.version, state.cursor),
        )


async def _drop_buttons(query) -> None:
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError:
        pass  # the buttons staying is harmless: a second press is answered "out of date"
