"""The typed song graph that node2vec walks: songs, anime and the things they share.

Nodes carry TYPED ids so that names never collide (the genre "Music" and a studio called
"Music" are different nodes):

==========  =============================================  =====================================
type        id                                              from
==========  =============================================  =====================================
song        ``song:<song_id>``                              one node per song_id (a song shared
                                                            by two anime is one node, two rows)
anime       ``anime:<mal_id>``                              ``anime_id``
creator     ``creator:id:<anidb creator id>``               ``credits[].creator_id`` when known
            ``creator:name:<normalised name>``              else the normalised name (see below)
tag         ``tag:<normalised name>``                       ``tags[].name`` (AniDB tags)
genre       ``genre:<normalised name>``                     ``genres``
theme       ``theme:<normalised name>``                     ``themes`` (MAL themes: genre-like)
studio      ``studio:<normalised name>``                    ``studios``
==========  =============================================  =====================================

Edges (undirected): song–anime, song–creator (one per credited role; the role is kept in
``edge_role``), anime–tag (weight = tag weight / the catalog's largest tag weight, so in
(0, 1]; 1 when a tag has no weight or weight 0, which AniDB uses for "not rated"),
anime–genre, anime–theme, anime–studio. Every edge type and every credit role has a weight
multiplier (default 1). Parallel edges (one creator credited for vocals *and* lyrics of a song)
stay separate in the typed edge list and are summed in the CSR adjacency that pecanpy walks.

Creators: a name-only credit whose normalised name belongs to exactly ONE creator id in the
same catalog is linked to that id's node (``link_names_to_ids``), because live data mixes
AniDB credits (with ids) and MAL theme strings (names only) for the same artist; a name that
maps to two ids (homonyms) or to none keeps its own ``creator:name:`` node.

Pure numpy/scipy/pandas; no Dagster.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from animusic_assets.core.catalog import CREDIT_ROLES
from animusic_assets.core.text import normalise

NODE_TYPES = ("song", "anime", "creator", "tag", "genre", "theme", "studio")
EDGE_TYPES = (
    "song-anime",
    "song-creator",
    "anime-tag",
    "anime-genre",
    "anime-theme",
    "anime-studio",
)
_LABEL_EDGES = (
    ("genres", "genre", "anime-genre"),
    ("themes", "theme", "anime-theme"),
    ("studios", "studio", "anime-studio"),
)


@dataclass(frozen=True)
class SongGraph:
    """A typed, undirected, weighted graph in compact array form.

    ``nodes[i]`` is node i's typed id, ``node_type[i]`` an index into ``NODE_TYPES``.
    Edge k joins ``src[k]`` and ``dst[k]`` (song/anime side first) with ``weight[k]`` > 0, type
    ``EDGE_TYPES[edge_type[k]]`` and, for song–creator edges, role
    ``CREDIT_ROLES[edge_role[k]]`` (-1 otherwise). ``row_node[r]`` is the song node of catalog
    row r (rows in the order of the catalog the graph was built from).
    """

    nodes: list[str]
    node_type: np.ndarray  # int8, (n_nodes,)
    src: np.ndarray  # int32, (n_edges,)
    dst: np.ndarray  # int32, (n_edges,)
    weight: np.ndarray  # float32, (n_edges,)
    edge_type: np.ndarray  # int8, (n_edges,)
    edge_role: np.ndarray  # int8, (n_edges,), -1 unless song-creator
    row_node: np.ndarray  # int64, (n_catalog_rows,)

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return int(self.src.size)

    def index(self) -> dict[str, int]:
        return {node: i for i, node in enumerate(self.nodes)}

    def node_counts(self) -> dict[str, int]:
        counts = np.bincount(self.node_type, minlength=len(NODE_TYPES))
        return {t: int(c) for t, c in zip(NODE_TYPES, counts, strict=True)}

    def edge_counts(self) -> dict[str, int]:
        """Typed edges per type; song–creator also per role (``song-creator:vocals`` …)."""
        counts = np.bincount(self.edge_type, minlength=len(EDGE_TYPES))
        out = {t: int(c) for t, c in zip(EDGE_TYPES, counts, strict=True)}
        credit = self.edge_role[self.edge_role >= 0]
        for role, c in zip(
            CREDIT_ROLES, np.bincount(credit, minlength=len(CREDIT_ROLES)), strict=True
        ):
            if c:
                out[f"song-creator:{role}"] = int(c)
        return out

    def to_csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Symmetric adjacency (parallel edges summed) as pecanpy's CSR arrays.

        Returns ``(indptr uint32, indices uint32, data float32)`` with every row's indices
        sorted ascending, which pecanpy's walkers require (they binary-search neighbours), the
        same arrays ``pecanpy.graph.SparseGraph.read_npz`` would load.
        """
        n = self.n_nodes
        rows = np.concatenate([self.src, self.dst])
        cols = np.concatenate([self.dst, self.src])
        data = np.concatenate([self.weight, self.weight]).astype(np.float64)
        matrix = sp.coo_matrix((data, (rows, cols)), shape=(n, n)).tocsr()
        matrix.sum_duplicates()
        matrix.sort_indices()
        if matrix.nnz >= 2**32:
            raise ValueError(f"graph too large for pecanpy's uint32 CSR ({matrix.nnz} entries)")
        return (
            matrix.indptr.astype(np.uint32),
            matrix.indices.astype(np.uint32),
            matrix.data.astype(np.float32),
        )

    def degrees(self) -> np.ndarray:
        """Number of distinct neighbours per node."""
        indptr, _, _ = self.to_csr()
        return np.diff(indptr.astype(np.int64))

    def write_edg(self, path: str | Path) -> Path:
        """Tab-separated ``id1 id2 weight`` lines (pecanpy's ``.edg``; parallel edges summed)."""
        path = Path(path)
        indptr, indices, data = self.to_csr()
        with open(path, "w", encoding="utf-8") as fh:
            for i in range(self.n_nodes):
                for k in range(int(indptr[i]), int(indptr[i + 1])):
                    j = int(indices[k])
                    if i < j:
                        fh.write(f"{self.nodes[i]}\t{self.nodes[j]}\t{float(data[k]):.6g}\n")
        return path


def build_song_graph(
    catalog: pd.DataFrame,
    role_weights: Mapping[str, float] | None = None,
    edge_weights: Mapping[str, float] | None = None,
    link_names_to_ids: bool = True,
) -> SongGraph:
    """Build the typed graph from a catalog DataFrame (columns of ``core.catalog``).

    ``role_weights``: multiplier per credit role (``vocals``, ``lyrics``, …; default 1).
    ``edge_weights``: multiplier per edge type in ``EDGE_TYPES`` (default 1).
    Raises ``ValueError`` on an empty catalog, a missing column or a non-positive weight.
    """
    if catalog is None or len(catalog) == 0:
        raise ValueError("cannot build the node2vec graph from an empty catalog")
    missing = [
        c
        for c in ("song_id", "anime_id", "credits", "tags", "genres", "themes", "studios")
        if c not in catalog.columns
    ]
    if missing:
        raise ValueError(f"catalog lacks columns for the node2vec graph: {', '.join(missing)}")
    roles = _multipliers(role_weights, CREDIT_ROLES, "role")
    types = _multipliers(edge_weights, EDGE_TYPES, "edge type")

    builder = _Builder()
    song_ids = catalog["song_id"].astype(str).tolist()
    anime_ids = [None if _missing(a) else int(a) for a in catalog["anime_id"].tolist()]
    credits = [_as_list(c) for c in catalog["credits"].tolist()]
    name_to_id = _unique_creator_ids(credits) if link_names_to_ids else {}

    row_node = np.empty(len(catalog), dtype=np.int64)
    anime_rows: dict[int, list[int]] = {}
    for r, (song_id, anime_id, song_credits) in enumerate(
        zip(song_ids, anime_ids, credits, strict=True)
    ):
        song = builder.node(f"song:{song_id}", "song")
        row_node[r] = song
        if anime_id is not None:
            anime = builder.node(f"anime:{anime_id}", "anime")
            builder.edge(song, anime, types["song-anime"], "song-anime")
            anime_rows.setdefault(anime_id, []).append(r)
        for credit in song_credits:
            creator = _creator_node(credit, name_to_id)
            role = normalise(credit.get("role"))
            if creator is None or role not in roles:
                continue
            builder.edge(
                song,
                builder.node(creator, "creator"),
                types["song-creator"] * roles[role],
                "song-creator",
                role,
            )

    tag_scale = _tag_scale(catalog["tags"].tolist())
    columns = {c: catalog[c].tolist() for c in ("tags", "genres", "themes", "studios")}
    for anime_id, rows in anime_rows.items():
        anime = builder.node(f"anime:{anime_id}", "anime")
        tags: dict[str, float] = {}
        for r in rows:  # rows of one anime normally repeat the same lists: take their union
            for tag in _as_list(columns["tags"][r]):
                name = normalise(tag.get("name") if isinstance(tag, dict) else tag)
                if name:
                    weight = _tag_weight(tag, tag_scale)
                    tags[name] = max(tags.get(name, 0.0), weight)
        for name, weight in tags.items():
            builder.edge(
                anime, builder.node(f"tag:{name}", "tag"), types["anime-tag"] * weight, "anime-tag"
            )
        for column, node_type, edge_type in _LABEL_EDGES:
            labels = dict.fromkeys(normalise(v) for r in rows for v in _as_list(columns[column][r]))
            for label in labels:
                if label:
                    builder.edge(
                        anime,
                        builder.node(f"{node_type}:{label}", node_type),
                        types[edge_type],
                        edge_type,
                    )
    return builder.build(row_node)


class _Builder:
    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.types: list[int] = []
        self.edges: dict[tuple[int, int, int, int], float] = {}

    def node(self, node_id: str, node_type: str) -> int:
        index = self.ids.get(node_id)
        if index is None:
            index = self.ids[node_id] = len(self.types)
            self.types.append(NODE_TYPES.index(node_type))
        return index

    def edge(self, a: int, b: int, weight: float, edge_type: str, role: str | None = None) -> None:
        # the same typed edge listed twice (a merged row, a repeated genre) counts once
        key = (a, b, EDGE_TYPES.index(edge_type), CREDIT_ROLES.index(role) if role else -1)
        self.edges[key] = max(self.edges.get(key, 0.0), float(weight))

    def build(self, row_node: np.ndarray) -> SongGraph:
        keys = np.array(list(self.edges), dtype=np.int64).reshape(-1, 4)
        return SongGraph(
            nodes=list(self.ids),
            node_type=np.array(self.types, dtype=np.int8),
            src=keys[:, 0].astype(np.int32),
            dst=keys[:, 1].astype(np.int32),
            weight=np.fromiter(self.edges.values(), dtype=np.float32, count=len(self.edges)),
            edge_type=keys[:, 2].astype(np.int8),
            edge_role=keys[:, 3].astype(np.int8),
            row_node=row_node,
        )


def _multipliers(
    given: Mapping[str, float] | None, names: Iterable[str], what: str
) -> dict[str, float]:
    given = dict(given or {})
    unknown = set(given) - set(names)
    if unknown:
        raise ValueError(f"unknown {what} weight(s): {', '.join(sorted(unknown))}")
    out = {name: float(given.get(name, 1.0)) for name in names}
    bad = {k: v for k, v in out.items() if not (v > 0 and math.isfinite(v))}
    if bad:
        raise ValueError(f"{what} weights must be positive and finite, got {bad}")
    return out


def _creator_node(credit: Any, name_to_id: dict[str, int]) -> str | None:
    if not isinstance(credit, dict):
        return None
    creator_id = _creator_id(credit.get("creator_id"))
    if creator_id is not None:
        return f"creator:id:{creator_id}"
    name = normalise(credit.get("name"))
    if not name:
        return None
    if name in name_to_id:
        return f"creator:id:{name_to_id[name]}"
    return f"creator:name:{name}"


def _unique_creator_ids(credits: list[list]) -> dict[str, int]:
    """Normalised name -> creator id, for names that belong to exactly one id."""
    ids: dict[str, set[int]] = {}
    for song_credits in credits:
        for credit in song_credits:
            if isinstance(credit, dict):
                creator_id = _creator_id(credit.get("creator_id"))
                name = normalise(credit.get("name"))
                if creator_id is not None and name:
                    ids.setdefault(name, set()).add(creator_id)
    return {name: next(iter(found)) for name, found in ids.items() if len(found) == 1}


def _creator_id(value: Any) -> int | None:
    if _missing(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _tag_scale(tag_lists: list) -> float:
    weights = [
        w
        for tags in tag_lists
        for tag in _as_list(tags)
        if isinstance(tag, dict) and (w := _number(tag.get("weight"))) is not None and w > 0
    ]
    return max(weights) if weights else 1.0


def _tag_weight(tag: Any, scale: float) -> float:
    weight = _number(tag.get("weight")) if isinstance(tag, dict) else None
    if weight is None or weight <= 0:
        return 1.0
    return min(weight / scale, 1.0)


def _number(value: Any) -> float | None:
    if _missing(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _as_list(value: Any) -> list:
    """A list-valued cell as a list: None/NA/NaN -> [], numpy arrays (after parquet) -> list."""
    if _missing(value) or isinstance(value, (str, bytes, dict)):
        return []
    try:
        return list(value)
    except TypeError:
        return []
