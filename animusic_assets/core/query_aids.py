"""What the publisher stores beside a model so its profile query is fast (no Dagster here,
so the serving benchmark builds bundles by the same rule).

Only a nearest-profile model needs help: neighbour lists (``recommend/neighbours.py``) while
the catalogue is small enough for a songs x songs product at publish, coarse vectors
(``recommend/coarse.py``) above that.
"""

from __future__ import annotations

from animusic_serving.recommend.coarse import COARSE_DIMS

NEIGHBOURS = 128
NEIGHBOURS_MAX_SONGS = 50_000


def query_aids(
    params: dict,
    n_songs: int,
    *,
    neighbours: int = NEIGHBOURS,
    max_songs: int = NEIGHBOURS_MAX_SONGS,
    coarse_dims: int = COARSE_DIMS,
) -> tuple[int, int]:
    """(neighbours, coarse dims) to store for a model with manifest ``params``."""
    if params.get("profile_query") != "nearest":
        return 0, 0
    if n_songs <= max_songs:
        return neighbours, 0
    return 0, coarse_dims
