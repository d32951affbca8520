"""AniDB anime page -> tags (with weights) and songs with credits. Pure: html in, dicts out.

Songs table (``table#songlist``): the relation cell spans all rows of its relation, the song,
episode and rating cells span the rows of one song, and each row holds one credit (role +
one or more creators). Songs are keyed by their AniDB id (``/song/N``), never by name.
"""

from __future__ import annotations

import re

from animusic_assets.sources.html_tree import Node, parse_html

ANIDB_BAN_MARKERS = ("unban me", "you have been banned", "anti-leech", "access denied",
                     "too many requests", "<title>error - anidb</title>", "ban ip")
_ROLE_PATTERNS = (("vocals", r"vocal|perform|歌"), ("lyrics", r"lyric|作詞"),
                  ("composition", r"compos|作曲"), ("arrangement", r"arrang|編曲"),
                  ("chorus", r"chorus|コーラス"))
_RELATIONS = {"opening": "opening", "ending": "ending", "insert song": "insert",
              "insert": "insert", "image song": "image", "image": "image"}


class AnidbPageError(ValueError):
    """The page is not an AniDB anime page (ban, error or unexpected layout)."""


def anidb_ban_reason(html: str) -> str | None:
    """Why this response is a ban/error page, or None for a normal page. Checked before parsing."""
    head = html[:20000].lower()
    for marker in ANIDB_BAN_MARKERS:
        if marker in head:
            return f"AniDB answered a ban/error page ({marker!r})"
    return None


def role_of(credit_label: str) -> str | None:
    label = credit_label.lower()
    for role, pattern in _ROLE_PATTERNS:
        if re.search(pattern, label):
            return role
    return None


def parse_anidb_anime(html: str) -> dict:
    reason = anidb_ban_reason(html)
    if reason:
        raise AnidbPageError(reason)
    root = parse_html(html)
    if root.find("table", id="songlist") is None and root.find(cls="animetags") is None:
        title = root.find("title")
        raise AnidbPageError(f"not an AniDB anime page: {title.text() if title else 'no title'}")
    return {"tags": parse_tags(root), "songs": parse_songs(root)}


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
    song: dict = {"anidb_song_id": int(match.group(1)) if match else None, "title": cell.text(),
            "relation": relation, "sequence": sequence, "episodes": None, "rating": None,
            "votes": None, "credits": [], "links": []}
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
            out.append({"creator_id": int(match.group(1)) if match else None, "name": name, "role": role})
    return out
