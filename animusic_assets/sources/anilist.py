"""AniList GraphQL: a user's anime list (MediaListCollection) -> MAL ids. Pure."""

from __future__ import annotations

LIST_QUERY = """query ($name: String) {
  MediaListCollection(userName: $name, type: ANIME) {
    lists { name status entries { status score(format: POINT_10) media { id idMal } } }
  }
}"""


class AnilistError(ValueError):
    """GraphQL errors or an unexpected answer."""


def list_request(username: str) -> dict:
    return {"query": LIST_QUERY, "variables": {"name": username}}


def parse_media_list(payload: dict) -> list[dict]:
    """``[{mal_id, anilist_id, status, score}]`` for every entry with a MAL id, no duplicates."""
    if payload.get("errors"):
        raise AnilistError("; ".join(str(e.get("message")) for e in payload["errors"]))
    collection = ((payload.get("data") or {}).get("MediaListCollection")) or {}
    out, seen = [], set()
    for lst in collection.get("lists") or []:
        for entry in lst.get("entries") or []:
            media = entry.get("media") or {}
            mal_id = media.get("idMal")
            if isinstance(mal_id, int) and mal_id not in seen:
                seen.add(mal_id)
                out.append(
                    {
                        "mal_id": mal_id,
                        "anilist_id": media.get("id"),
                        "status": entry.get("status"),
                        "score": entry.get("score"),
                    }
                )
    return out
