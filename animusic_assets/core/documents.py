"""One text document per song; the same document feeds TF-IDF and the transformers."""

from __future__ import annotations

from typing import Any

import pandas as pd

_RELATION_WORDS = {
    "opening": "opening theme",
    "ending": "ending theme",
    "insert": "insert song",
    "image": "image song",
}


def song_document(row: dict) -> str:
    """Title first, then the anime (English title first: the transformers read English best),
    then relation words, credits by role, tags, genres, themes, studios and source."""
    parts: list[str] = [str(row["title"])]
    titles = [row.get("anime_title_english"), row.get("anime_title")]
    parts.extend(str(t) for t in dict.fromkeys(titles) if _present(t))
    relation = str(row.get("relation") or "")
    parts.append(_RELATION_WORDS.get(relation, relation))
    by_role: dict[str, list[str]] = {}
    for credit in _as_list(row.get("credits")):
        by_role.setdefault(credit["role"], []).append(credit["name"])
    parts.extend(f"{role}: {', '.join(names)}" for role, names in by_role.items())
    for label, column in (
        ("tags", "tags"),
        ("genres", "genres"),
        ("themes", "themes"),
        ("studio", "studios"),
    ):
        values = [v["name"] if isinstance(v, dict) else v for v in _as_list(row.get(column))]
        if values:
            parts.append(f"{label}: {', '.join(values)}")
    if _present(row.get("source")):
        parts.append(f"source: {row['source']}")
    return ". ".join(p for p in parts if p)


def song_documents(catalog: pd.DataFrame) -> pd.Series:
    """Documents indexed like ``catalog`` (one per row)."""
    return pd.Series(
        [song_document(r) for r in catalog.to_dict("records")],
        index=catalog.index,
        name="document",
        dtype="string",
    )


def _present(value: object) -> bool:
    return (
        value is not None
        and value is not pd.NA
        and str(value).strip() != ""
        and not (isinstance(value, float) and value != value)
    )


def _as_list(value: Any) -> list:
    if value is None or value is pd.NA:
        return []
    return list(value)
