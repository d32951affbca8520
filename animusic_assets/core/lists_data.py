"""Public and imported anime lists as training rows for the ``lists`` model: cleaning and the
positive (user, anime) pairs.

A list row is ``user_id, mal_id, rating, status, source`` (the ``user_lists_dev.csv``
columns). Bad rows are set aside and counted by reason, never raised on: an unparseable id,
an anime the catalog's world does not know, a rating outside 1-10 (-1 / 0 / empty = listed
but unscored), a duplicate (user, anime). User ids are replaced by a salted hash as soon as
rows are read, so nothing downstream (and nothing in the bundle) carries a real username.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

LIST_COLUMNS = ("user_id", "mal_id", "rating", "status", "source")
UNRATED = -1.0
# positive = rated >= 8, or finished / imported without a score. 8 rather than 7 by the
# evaluation (README "The lists model": anime-level NDCG@10 on the tuning users 0.169 vs
# 0.161); a missing anime is unknown, never a dislike
POSITIVE_RATING = 8
UNRATED_POSITIVE_STATUSES = ("completed", "imported", "unknown")
_KEY_SALT = "animusic-lists-v1"


def user_key(user_id: object) -> str:
    """A pseudonymous, stable key for a list's owner (the same id always maps to the same
    key, so an evaluation user can be recognised in the training rows without storing ids)."""
    return hashlib.sha256(f"{_KEY_SALT}\x00{user_id}".encode()).hexdigest()[:20]


def read_lists_file(path: str | Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """Rows of a lists CSV, (empty frame, {"empty_file": 1}) for an empty/unreadable one."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, UnicodeDecodeError, pd.errors.ParserError):
        return empty_lists(), {"empty_or_unreadable_file": 1}
    if "user_id" not in raw.columns or "mal_id" not in raw.columns:
        return empty_lists(), {"missing_columns": len(raw)}
    for column in ("rating", "status", "source"):
        if column not in raw.columns:
            raw[column] = ""
    if (raw["source"] == "").all():
        raw["source"] = Path(path).name
    return raw[list(LIST_COLUMNS)], {}


def empty_lists() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in LIST_COLUMNS})


def clean_lists(
    raw: pd.DataFrame, known_anime: Iterable[int] | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """(clean rows with ``user_key, mal_id, rating, status, source``, set-aside counts).

    ``known_anime``: MAL ids that exist (e.g. the catalog's anime plus the other lists'
    anime); rows outside it are set aside as ``unknown_anime``. None keeps every id."""
    set_aside: dict[str, int] = {}
    frame = raw.copy()
    for column in LIST_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame = frame.astype({c: str for c in LIST_COLUMNS})

    def drop(mask: pd.Series, reason: str) -> None:
        nonlocal frame
        if mask.any():
            set_aside[reason] = set_aside.get(reason, 0) + int(mask.sum())
            frame = frame[~mask]

    drop(frame["user_id"].str.strip().isin(["", "nan", "None"]), "missing_user")
    mal = pd.to_numeric(frame["mal_id"].str.strip(), errors="coerce")
    drop(mal.isna() | (mal <= 0) | (mal != mal.round()), "bad_mal_id")
    rating_text = frame["rating"].str.strip()
    rating = pd.to_numeric(rating_text.where(rating_text != "", str(UNRATED)), errors="coerce")
    drop(rating.isna(), "bad_rating")
    rating = rating.loc[frame.index].replace(0.0, UNRATED)
    drop(rating.ne(UNRATED) & ((rating < 1) | (rating > 10)), "rating_out_of_range")
    frame = frame.assign(
        mal_id=pd.to_numeric(frame["mal_id"].str.strip()).astype("int64"),
        rating=rating.loc[frame.index].astype("float64"),
        status=frame["status"].str.strip().str.lower().replace("", "unknown"),
        user_key=frame["user_id"].str.strip().map(user_key),
    )
    if known_anime is not None:
        known = np.fromiter(known_anime, dtype=np.int64)
        drop(~frame["mal_id"].isin(known), "unknown_anime")
    drop(frame.duplicated(["user_key", "mal_id"], keep="first"), "duplicate")
    clean = frame[["user_key", "mal_id", "rating", "status", "source"]].reset_index(drop=True)
    return clean, set_aside


def positive_pairs(lists: pd.DataFrame, min_rating: float = POSITIVE_RATING) -> pd.DataFrame:
    """The (user_key, mal_id) pairs the model learns from."""
    rated = lists["rating"] >= min_rating
    unrated_kept = (lists["rating"] == UNRATED) & lists["status"].isin(UNRATED_POSITIVE_STATUSES)
    return lists.loc[rated | unrated_kept, ["user_key", "mal_id"]].drop_duplicates()


def drop_held_out(
    pairs: pd.DataFrame, held_out: Iterable[tuple[str, Iterable[int]]]
) -> tuple[pd.DataFrame, int]:
    """``pairs`` without any (user, anime) an evaluation user holds out (``held_out``: raw
    user id and anime ids): those must never reach training. Returns (pairs, rows dropped)."""
    banned = pd.DataFrame(
        [(user_key(u), int(a)) for u, anime in held_out for a in anime],
        columns=["user_key", "mal_id"],
    )
    if banned.empty or pairs.empty:
        return pairs, 0
    merged = pairs.merge(banned.assign(_banned=True), on=["user_key", "mal_id"], how="left")
    keep = merged["_banned"].isna().to_numpy()
    return pairs[keep], int((~keep).sum())
