"""Incremental node2vec: fold new nodes into an existing embedding instead of retraining.

A new partition adds a few dozen anime; retraining node2vec on the whole graph would cost as
much as the first build. Instead, nodes the previous model already embedded keep their
vectors, and each new node gets the weighted mean of its already-embedded neighbours, in
rounds (a new song's anime is itself new, so its vector comes one round later, from the
anime's genres, studio and tags). This is the mean aggregator of inductive graph embedding;
vectors stay in the previous model's space, so they are comparable with every old song.
A full retrain is still needed now and then (``max_new_share``) so that the structure the new
nodes add reaches the old ones too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from animusic_assets.core.graph import SongGraph

FOLD_ROUNDS = 4


def fold_in(
    graph: SongGraph, known_nodes: list[str], known_vectors: np.ndarray, rounds: int = FOLD_ROUNDS
) -> tuple[np.ndarray, int]:
    """Vectors for every node of ``graph`` (zero for a node no round could reach) and the
    number of nodes that were new."""
    index = graph.index()
    vectors = np.zeros((graph.n_nodes, known_vectors.shape[1]), dtype=np.float32)
    known = np.zeros(graph.n_nodes, dtype=bool)
    for node, vector in zip(known_nodes, known_vectors, strict=True):
        i = index.get(node)
        if i is not None:
            vectors[i], known[i] = vector, True
    n_new = int((~known).sum())
    indptr, indices, data = graph.to_csr()
    adjacency = sp.csr_matrix((data, indices, indptr), shape=(graph.n_nodes, graph.n_nodes))
    for _ in range(rounds):
        todo = np.flatnonzero(~known)
        if not todo.size:
            break
        block = adjacency[todo]
        weight = block @ known.astype(np.float64)
        reached = weight > 0
        if not reached.any():
            break
        sums = block[reached] @ vectors
        vectors[todo[reached]] = (sums / weight[reached, None]).astype(np.float32)
        known[todo[reached]] = True
    return vectors, n_new


def config_key(params: dict) -> str:
    """Vectors from different settings are different spaces: the saved state is per setting."""
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]


def save_state(folder: Path, nodes: list[str], vectors: np.ndarray) -> None:
    """Node ids (JSON) and vectors (.npy), each written to a temp name and renamed."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp_vectors = folder / "vectors.tmp.npy"
    np.save(tmp_vectors, vectors.astype(np.float32), allow_pickle=False)
    tmp_nodes = folder / "nodes.tmp.json"
    tmp_nodes.write_text(json.dumps(nodes))
    tmp_vectors.replace(folder / "vectors.npy")
    tmp_nodes.replace(folder / "nodes.json")


def load_state(folder: Path) -> tuple[list[str], np.ndarray] | None:
    """The last full training's nodes and vectors, or None when absent or unreadable."""
    try:
        nodes = json.loads((folder / "nodes.json").read_text())
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
    except (OSError, ValueError):
        return None
    return (nodes, vectors) if len(nodes) == len(vectors) else None
