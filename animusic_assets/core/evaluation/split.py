"""Users' liked anime split into an imported list (the profile) and a held-out set.

Protocol: a user's *liked* anime are those rated >= 8 that the catalog has songs for. A seeded
half of them is the list the user "imports"; the rest is held out. A recommended song is a hit
when its anime is held out. Users are split too: a seeded half tunes the hybrid model's
weights, the other half reports every figure, so no reported number was tuned on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

LIKED_RATING = 8
MIN_LIKED = 5


@dataclass(frozen=True)
class UserSplit:
    user_id: str
    imported: np.ndarray  # MAL ids the user's profile is built from
    held_out: np.ndarray  # MAL ids whose songs count as hits


def read_user_lists(path: str | Path) -> pd.DataFrame:
    lists = pd.read_csv(path, usecols=["user_id", "mal_id", "rating"])
    return lists.astype({"user_id": str, "mal_id": "int64", "rating": "float64"})


def split_users(
    lists: pd.DataFrame,
    catalog_anime: np.ndarray,
    seed: int = 0,
    min_liked: int = MIN_LIKED,
    max_users: int | None = None,
) -> list[UserSplit]:
    liked = lists[(lists["rating"] >= LIKED_RATING) & lists["mal_id"].isin(catalog_anime)]
    liked = liked.drop_duplicates(["user_id", "mal_id"])
    splits = []
    for user_id, group in liked.groupby("user_id", sort=True):
        anime = np.sort(group["mal_id"].to_numpy())
        if len(anime) < min_liked:
            continue
        rng = np.random.default_rng([seed, _stable(user_id)])
        imported = rng.permutation(anime)[: len(anime) // 2]
        splits.append(UserSplit(str(user_id), np.sort(imported), np.setdiff1d(anime, imported)))
    if max_users is not None and len(splits) > max_users:
        keep = np.random.default_rng(seed).choice(len(splits), size=max_users, replace=False)
        splits = [splits[i] for i in sorted(keep)]
    return splits


def tuning_and_report_halves(
    splits: list[UserSplit], seed: int = 0
) -> tuple[list[UserSplit], list[UserSplit]]:
    """Disjoint halves of the users: (tuning, report), by a seeded hash of the user id."""
    tuning = [s for s in splits if _stable(f"{seed}:{s.user_id}") % 2 == 0]
    report = [s for s in splits if _stable(f"{seed}:{s.user_id}") % 2 == 1]
    return tuning, report


def synthetic_user_lists(catalog: pd.DataFrame, n_users: int = 200, seed: int = 0) -> pd.DataFrame:
    """A stand-in for real lists when ``../shared`` is absent: each synthetic user loves one
    genre and one studio, and rates 8+ the anime that share them (plus some noise), so the
    content models have a signal to find."""
    rng = np.random.default_rng(seed)
    anime = catalog.drop_duplicates("anime_id")[["anime_id", "genres", "studios"]]
    genres = sorted({g for gs in anime["genres"] for g in gs}) or ["none"]
    rows = []
    for user in range(n_users):
        genre = genres[rng.integers(len(genres))]
        for row in anime.itertuples():
            match = genre in row.genres
            if rng.random() < (0.6 if match else 0.05):
                rows.append((f"synthetic:{user}", int(row.anime_id), 9 if match else 6))
    return pd.DataFrame(rows, columns=["user_id", "mal_id", "rating"]).astype({"rating": float})


def _stable(text: str) -> int:
    return int.from_bytes(hashlib.sha256(str(text).encode()).digest()[:8], "big")
