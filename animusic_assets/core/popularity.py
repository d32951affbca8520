"""The `popular` model: one score per song, higher is more popular.

Order of evidence (the first one a catalog has decides, later ones break ties):
1. YouTube views of the song's video, then its likes;
2. when the catalog has no views at all (the demo snapshot and the reference CSV have none),
   MAL members of the anime, then MAL popularity rank (lower is more popular);
3. when none of these is known, the number of songs the anime has in the catalog (long-running
   shows are the well-known ones), then catalog order.
The score is the song's rank turned into (0, 1]: 1.0 for the most popular song.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def popularity_evidence(catalog: pd.DataFrame) -> list[str]:
    """Which columns decide the order for this catalog, most important first."""
    evidence = []
    if catalog["views"].notna().any():
        evidence += ["views", "likes"]
    if catalog["mal_members"].notna().any():
        evidence.append("mal_members")
    if catalog["mal_popularity"].notna().any():
        evidence.append("mal_popularity")
    evidence.append("songs_per_anime")
    return evidence


def popularity_scores(catalog: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    evidence = popularity_evidence(catalog)
    keys = pd.DataFrame(index=catalog.index)
    for column in evidence:
        if column == "songs_per_anime":
            keys[column] = catalog.groupby("anime_id")["song_id"].transform("size").astype(float)
        elif column == "mal_popularity":  # a rank: smaller is better, so negate
            keys[column] = -catalog[column].astype("Float64").fillna(np.inf).astype(float)
        else:
            keys[column] = catalog[column].astype("Float64").fillna(-1).astype(float)
    keys["_order"] = -np.arange(len(catalog), dtype=float)  # stable final tie-break
    order = keys.sort_values(list(keys.columns), ascending=False, kind="mergesort").index
    ranks = np.empty(len(catalog), dtype=np.float64)
    ranks[catalog.index.get_indexer(order)] = np.arange(len(catalog))
    scores = 1.0 - ranks / max(len(catalog), 1)
    return scores.astype(np.float32), evidence
