"""What the bot says: help, song cards and their buttons (pure; no Telegram calls)."""

from __future__ import annotations

from html import escape

HELP = """<b>Animusic</b> recommends anime songs.

/start CODE — link this chat (the code is on the Animusic page)
/import NAME — import your AniList list (/import mal NAME for MyAnimeList)
/playlist — the next songs, one per model
/radio TITLE — songs like one you pick (a song, anime or artist)
/help — this message

Under each song: 👍 like, 👎 skip (not for me), ⏭ next."""

CODE_ALPHABET = set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")


def looks_like_code(text: str) -> bool:
    code = text.strip().upper().replace("-", "")
    return len(code) == 8 and set(code) <= CODE_ALPHABET


def song_link(song: dict) -> str | None:
    for link in song.get("links") or []:
        if isinstance(link, dict) and link.get("url"):
            return str(link["url"])
    return None


def song_card(song: dict) -> str:
    """HTML: title, anime and relation, artists, the model that picked it, a link."""
    artists = ", ".join(song.get("artists") or []) or "unknown artist"
    lines = [
        f"🎵 <b>{escape(song.get('title') or '?')}</b>",
        f"{escape(song.get('anime_title') or '')} · {escape(song.get('relation') or '')}",
        f"by {escape(artists)}",
        f"<i>[{escape(song.get('recommended_by') or '?')}]</i>",
    ]
    url = song_link(song)
    if url:
        lines.append(f'<a href="{escape(url, quote=True)}">▶ listen</a>')
    return "\n".join(lines)


def song_buttons(version: int, index: int) -> list[list[tuple[str, str]]]:
    """(label, callback data) rows; the data names the queue (its version) and the slot
    (Telegram allows 64 bytes, a song id may be that long on its own)."""
    return [
        [
            ("👍 Like", f"like:{version}:{index}"),
            ("👎 Skip", f"skip:{version}:{index}"),
            ("⏭ Next", f"next:{version}:{index}"),
        ]
    ]


def pick_label(song: dict) -> str:
    artists = ", ".join(song.get("artists") or [])
    label = f"{song.get('title') or '?'} — {song.get('anime_title') or ''}"
    return (label + (f" ({artists})" if artists else ""))[:60]
