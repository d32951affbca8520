"""MAL API v2 (api.myanimelist.net/v2): URLs and pure parsers of its JSON answers."""

from __future__ import annotations

from urllib.parse import urlencode

# valid /anime/{id} field names only (the API rejects unknown ones)
DETAIL_FIELDS = (
    "id",
    "title",
    "alternative_titles",
    "mean",
    "rank",
    "popularity",
    "num_list_users",
    "genres",
    "studios",
    "source",
    "media_type",
    "status",
    "num_episodes",
    "start_date",
    "end_date",
    "rating",
    "start_season",
    "opening_themes",
    "ending_themes",
)
RANKING_PAGE_LIMIT = 500  # the API's maximum page size
_SOURCES = {
    "manga": "Manga",
    "light_novel": "Light novel",
    "original": "Original",
    "visual_novel": "Visual novel",
    "web_manga": "Web manga",
    "novel": "Novel",
    "game": "Game",
    "4_koma_manga": "4-koma manga",
    "other": "Other",
}
_DEMOGRAPHICS = {"Shounen", "Shoujo", "Seinen", "Josei", "Kids"}
# MAL's "explicit genres" and "themes" share the genres list in the API; these are themes
_THEMES = {
    "Adult Cast",
    "Anthropomorphic",
    "CGDCT",
    "Childcare",
    "Combat Sports",
    "Crossdressing",
    "Delinquents",
    "Detective",
    "Educational",
    "Gag Humor",
    "Gore",
    "Harem",
    "High Stakes Game",
    "Historical",
    "Idols (Female)",
    "Idols (Male)",
    "Isekai",
    "Iyashikei",
    "Love Polygon",
    "Magical Sex Shift",
    "Mahou Shoujo",
    "Martial Arts",
    "Mecha",
    "Medical",
    "Military",
    "Music",
    "Mythology",
    "Organized Crime",
    "Otaku Culture",
    "Parody",
    "Performing Arts",
    "Pets",
    "Psychological",
    "Racing",
    "Reincarnation",
    "Reverse Harem",
    "Romantic Subtext",
    "Samurai",
    "School",
    "Showbiz",
    "Space",
    "Strategy Game",
    "Super Power",
    "Survival",
    "Team Sports",
    "Time Travel",
    "Vampire",
    "Video Game",
    "Visual Arts",
    "Workplace",
}


class MalApiError(ValueError):
    """The answer is not the expected MAL API JSON."""


def ranking_url(base: str, offset: int, limit: int = RANKING_PAGE_LIMIT) -> str:
    query = urlencode({"ranking_type": "all", "limit": limit, "offset": offset})
    return f"{base.rstrip('/')}/v2/anime/ranking?{query}"


def details_url(base: str, mal_id: int) -> str:
    return f"{base.rstrip('/')}/v2/anime/{int(mal_id)}?fields={','.join(DETAIL_FIELDS[2:])}"


def parse_ranking(payload: dict) -> tuple[list[dict], str | None]:
    """Entries ``{mal_id, rank, title}`` of one ranking page, and the next page's URL (or None)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise MalApiError("ranking answer without a 'data' list")
    entries = []
    for item in payload["data"]:
        node, ranking = item.get("node") or {}, item.get("ranking") or {}
        if isinstance(node.get("id"), int):
            entries.append(
                {"mal_id": node["id"], "rank": ranking.get("rank"), "title": node.get("title")}
            )
    return entries, (payload.get("paging") or {}).get("next")


def parse_details(payload: dict) -> dict:
    """The anime-record fields the MAL API provides (titles, score, rank, genres, studios …)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
        raise MalApiError("details answer without an integer 'id'")
    alt = payload.get("alternative_titles") or {}
    names = [g.get("name") for g in payload.get("genres") or [] if g.get("name")]
    start = payload.get("start_date") or ""
    return {
        "mal_id": payload["id"],
        "title_romaji": payload.get("title"),
        "title_english": alt.get("en") or None,
        "title_japanese": alt.get("ja") or None,
        "genres": [n for n in names if n not in _THEMES and n not in _DEMOGRAPHICS],
        "themes": [n for n in names if n in _THEMES],
        "demographic": next((n for n in names if n in _DEMOGRAPHICS), None),
        "studios": [s.get("name") for s in payload.get("studios") or [] if s.get("name")],
        "source": _SOURCES.get(payload.get("source") or "", payload.get("source")),
        "media_type": payload.get("media_type"),
        "start_year": int(start[:4]) if start[:4].isdigit() else None,
        "num_episodes": payload.get("num_episodes"),
        "mal_score": payload.get("mean"),
        "mal_rank": payload.get("rank"),
        "mal_popularity": payload.get("popularity"),
        "mal_members": payload.get("num_list_users"),
        "mal_themes": [
            t.get("text")
            for t in (payload.get("opening_themes") or []) + (payload.get("ending_themes") or [])
            if t.get("text")
        ],
    }
