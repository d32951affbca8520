"""AniDB anime page -> tags (with weights) and songs with credits. Pure: html in, dicts out.

Songs table (``table#songlist``): the relation cell spans all rows of its relation, the song,
episode and rating cells span the rows of one song, and each row holds one credit (role +
one or more creators). Songs are keyed by their AniDB id (``/song/N``), never by name.

Credit roles are read from the role's own words (the English label, else its Japanese
gloss), never from a word that merely occurs in it: "Vocals/Performed by (歌)" is vocals,
"Musical Performance (演奏)" is the instrumental ``performance``, "Featuring" is its own role
``featuring`` (kept, but not the song's artist). Labels we do not know are left out.

A page cut off in transit (no closing ``</html>``, or a song table without its end) is
refused with ``AnidbPageError``; so is a song row without its ``/song/N`` link.
"""

from __future__ import annotations

import re

from animusic_assets.sources.html_tree import Node, parse_html

ANIDB_BAN_MARKERS = (
    "unban me",
    "you have been banned",
    "anti-leech",
    "access denied",
    "too many requests",
    "<title>error - anidb</title>",
    "ban ip",
)
# "Your IP (address) has been banned", "this IP is temporarily blocked", "IP banned"
_PLAIN_BAN = re.compile(
    r"\b(?:ip|ip address|address|you|client)\b[^.<>]{0,40}?\b(?:is|are|has been|have been|"
    r"was|were|got|been)\s+(?:\w+\s+){0,2}?(?:banned|blocked|blacklisted)\b"
    r"|\bip\s+(?:address\s+)?(?:banned|blocked|ban)\b|\bbanned\s+ip\b",
    re.IGNORECASE,
)
_ROLE_WORDS = {
    "vocals/performed by": "vocals",
    "vocals": "vocals",
    "vocal": "vocals",
    "vocalist": "vocals",
    "singer": "vocals",
    "lyrics": "lyrics",
    "lyricist": "lyrics",
    "music composition": "composition",
    "composition": "composition",
    "composer": "composition",
    "music arrangement": "arrangement",
    "arrangement": "arrangement",
    "arranger": "arrangement",
    "chorus": "chorus",
    "featuring": "featuring",
    "feat.": "featuring",
    "musical performance": "performance",
}
_ROLE_GLOSSES = {
    "歌": "vocals",
    "作詞": "lyrics",
    "作曲": "composition",
    "編曲": "arrangement",
    "コーラス": "chorus",
    "演奏": "performance",
}
_RELATIONS = {
    "opening": "opening",
    "ending": "ending",
    "insert song": "insert",
    "insert": "insert",
    "image song": "image",
    "image": "image",
}
_SONG_TABLE = re.compile(r"<table\b[^>]*\bid=[\"']?songlist\b", re.IGNORECASE)
_ANIME_PAGE = re.compile(r"\bid=[\"']?songlist\b|\bclass=[\"'][^\"']*\banimetags\b", re.IGNORECASE)


class AnidbPageError(ValueError):
    """The page is not an AniDB anime page (ban, error, cut off or unexpected layout)."""


def anidb_ban_reason(html: str) -> str | None:
    """Why this response is a ban/error page, or None for a normal page. Checked before parsing.
    An anime page (it has the song table or the tags) is never a ban page, whatever its
    descriptions say."""
    head = html[:20000]
    if _ANIME_PAGE.search(head) or _ANIME_PAGE.search(html):
        return None
    lowered = head.lower()
    for marker in ANIDB_BAN_MARKERS:
        if marker in lowered:
            return f"AniDB answered a ban/error page ({marker!r})"
    said = _PLAIN_BAN.search(re.sub(r"<[^>]*>", " ", head))
    if said:
        return f"AniDB answered a ban page ({said.group(0).strip()!r})"
    return None


def page_problem(html: str) -> str | None:
    """Why ``html`` is not a complete AniDB anime page (None when it is): what the fetcher
    checks before caching a page, so a cut-off page is fetched again, not kept."""
    if not _ANIME_PAGE.search(html):
        return "not an AniDB anime page"
    if not html.rstrip().lower().endswith("</html>"):
        return "the page is cut off (no closing </html>)"
    table = _SONG_TABLE.search(html)
    if table and "</table>" not in html[table.end() :].lower():
        return "the page is cut off inside the song table"
    return None


def role_of(credit_label: str) -> str | None:
    """The role a credit label names, by its own words (see the module docstring)."""
    label = " ".join(credit_label.split()).lower()
    words = re.sub(r"\s*\([^)]*\)\s*", " ", label).strip()
    if words in _ROLE_WORDS:
        return _ROLE_WORDS[words]
    for gloss in re.findall(r"\(([^)]*)\)", label) or [label]:
        if gloss.strip() in _ROLE_GLOSSES:
            return _ROLE_GLOSSES[gloss.strip()]
    return None


def parse_anidb_anime(html: str) -> dict:
    reason = anidb_ban_reason(html)
    if reason:
        raise AnidbPageError(reason)
    root = parse_html(html)
    if root.find("table", id="songlist") is None and root.find(cls="animetags") is None:
        title = root.find("title")
        raise AnidbPageError(f"not an AniDB anime page: {title.text() if title else 'no title'}")
    problem = page_problem(html)
    if problem:
        raise AnidbPageError(problem)
    songs = parse_songs(root)
    for song in songs:
        if song["anidb_song_id"] is None:
            raise AnidbPageError(
                f"a song row without its /song/N link ({song['title'][:40]!r}):"
                " the page is cut off or its layout changed"
            )
    return {"tags": parse_tags(root), "songs": songs}


def parse_tags(root: Node) -> list[dict]:
    """Anime tags with their weight (0-600, AniDB's stars * 100) where AniDB shows one."""
    section = root.find(cls="animetags") or root.find(cls="anime_tags")
    if section is None:
        return []
    tags, seen = [], set()
    for div in section.find_all("div", cls="tag"):
        if "parent" in div.classes:  # tree branches ("themes", "setting"), not tags
            continue
        name_node = div.find("span", cls="tagname")
        name = name_node.text() if name_node else ""
        if not name or name in seen:
            continue
        seen.add(name)
        weight = div.attrs.get("data-anidb-weight", "")
        tags.append({"name": name, "weight": int(weight) if weight.isdigit() else None})
    return tags


def parse_songs(root: Node) -> list[dict]:
    table = root.find("table", id="songlist")
    if table is None:
        return []
    body = table.find("tbody") or table
    songs: list[dict] = []
    relation, current = None, None
    for row in body.element_children("tr"):
        for cell in row.element_children("td"):
            classes = cell.classes
            if "reltype" in classes:
                relation = _RELATIONS.get(cell.text().lower(), cell.text().lower() or None)
            elif "song" in classes and "name" in classes:
                current = _new_song(cell, relation, songs)
            elif "eprange" in classes and current is not None and current["episodes"] is None:
                current["episodes"] = cell.text() or None
            elif "rating" in classes and current is not None:
                current["rating"], current["votes"] = _rating(cell)
            elif "credit" in classes and current is not None:
                current["_role"] = role_of(cell.text())
            elif "creator" in classes and current is not None and current.get("_role"):
                current["credits"].extend(_creators(cell, current["_role"]))
    for song in songs:
        song.pop("_role", None)
    return songs


def _new_song(cell: Node, relation: str | None, songs: list[dict]) -> dict:
    link = cell.find("a")
    match = re.search(r"/song/(\d+)", link.attrs.get("href", "")) if link else None
    sequence = sum(1 for s in songs if s["relation"] == relation) + 1
    song: dict = {
        "anidb_song_id": int(match.group(1)) if match else None,
        "title": cell.text(),
        "relation": relation,
        "sequence": sequence,
        "episodes": None,
        "rating": None,
        "votes": None,
        "credits": [],
        "links": [],
    }
    songs.append(song)
    return song


def _rating(cell: Node) -> tuple[float | None, int | None]:
    text = cell.text()
    rating = re.match(r"\s*(\d+(?:\.\d+)?)", text)
    votes = re.search(r"\((\d+)\)", text)
    return (float(rating.group(1)) if rating else None, int(votes.group(1)) if votes else None)


def _creators(cell: Node, role: str) -> list[dict]:
    out = []
    for link in cell.find_all("a"):
        match = re.search(r"/creator/(?:virtual/)?(\d+)", link.attrs.get("href", ""))
        name = link.text()
        if name:
            out.append(
                {"creator_id": int(match.group(1)) if match else None, "name": name, "role": role}
            )
    return out
