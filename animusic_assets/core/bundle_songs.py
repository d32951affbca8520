"""The songs table a bundle carries: what serving needs to describe a recommended song."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from animusic_assets.core.franchise import franchise_key

BUNDLE_SONG_COLUMNS = [
    "song_id",
    "anime_id",
    "relation",
    "sequence",
    "episodes",
    "title",
    "anime_title",
    "anime_title_english",
    "anime_title_japanese",
    "artists",
    "links",
    "views",
    "likes",
]


def bundle_rows(catalog: pd.DataFrame, popularity: np.ndarray) -> np.ndarray:
    """Catalog row positions that become bundle rows: one per song_id.

    The catalog has one row per song-in-anime; a song shared by two anime (a film reusing a
    TV opening) is served once, under its most popular anime.
    """
    order = np.argsort(-np.asarray(popularity), kind="stable")
    first = ~pd.Series(catalog["song_id"].to_numpy()[order]).duplicated().to_numpy()
    return np.sort(order[first])


def bundle_songs(catalog: pd.DataFrame) -> pd.DataFrame:
    songs = catalog[BUNDLE_SONG_COLUMNS].reset_index(drop=True).copy()
    songs["song_id"] = songs["song_id"].astype(str)
    songs["anime_id"] = songs["anime_id"].astype("int64")
    songs["artists"] = songs["artists"].map(list)
    songs["franchise"] = songs["anime_title"].map(franchise_key)
    # links keep their full shape (platform, url, video_id, counts, fetched_at) as JSON text:
    # new platforms add rows, never columns
    songs["links"] = songs["links"].map(lambda links: json.dumps(list(links), ensure_ascii=False))
    return songs
