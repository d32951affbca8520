"""MAL anime page (myanimelist.net/anime/N): titles and the AniDB id. Pure: html in, dict out."""

from __future__ import annotations

import re

from animusic_assets.sources.html_tree import parse_html

_ANIDB_LINK = re.compile(r"anidb\.(?:net|info)/(?:anime/|perl-bin/animedb\.pl\?[^\"']*?aid=)(\d+)")


class MalPageError(ValueError):
    """Not a usable MAL anime page (a JS-only shell, a captcha, an error page)."""


def anidb_id_from_links(html: str) -> int | None:
    """The AniDB id from either link form (``anidb.net/anime/N``,
    ``animedb.pl?show=anime&aid=N``)."""
    match = _ANIDB_LINK.search(html.replace("&amp;", "&"))
    return int(match.group(1)) if match else None


_SCRIPT = re.compile(r"<script\b.*?</script>", re.IGNORECASE | re.DOTALL)
_TITLE_H1 = re.compile(r"<h1[^>]*class=[\"'][^\"']*(?:title-name|h1_bold_none)", re.IGNORECASE)


def is_usable_mal_page(html: str) -> bool:
    """True when the anime title is in the served markup (not only inside a script)."""
    return bool(_TITLE_H1.search(_SCRIPT.sub("", html)))


def parse_mal_page(html: str) -> dict:
    if not is_usable_mal_page(html):
        raise MalPageError("no anime title on the page (needs a browser, or not an anime page)")
    root = parse_html(html)
    name = root.find("h1", cls="title-name") or root.find("h1")
    english = root.find("p", cls="title-english")
    alt: dict[str, str] = {}
    for pad in root.find_all("div", cls="spaceit_pad"):
        label = pad.find("span", cls="dark_text")
        if label:
            key = label.text().rstrip(":").strip()
            alt.setdefault(key, pad.text()[len(label.text()) :].strip())
    resources = _resources_html(html)
    return {
        "title_romaji": name.text() if name else None,
        "title_english": (english.text() if english else None) or alt.get("English") or None,
        "title_japanese": alt.get("Japanese") or None,
        "anidb_anime_id": anidb_id_from_links(resources),
    }


def _resources_html(html: str) -> str:
    """The "Resources" block when present (so an unrelated AniDB link elsewhere is not taken)."""
    start = html.find("<h2>Resources</h2>")
    return html[start : start + 20000] if start >= 0 else html
