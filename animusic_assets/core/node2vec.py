"""node2vec song vectors: pecanpy random walks on the typed song graph + gensim skip-gram.

``train_node2vec(graph, ...) -> (node_ids, vectors)`` gives one vector per graph node;
``song_row_vectors(graph, vectors)`` picks the song rows in catalog order. The graph is handed
to pecanpy in memory (its CSR arrays, exactly what ``SparseGraph.read_npz`` would load): no
edge-list file is written.

Determinism. pecanpy seeds numba's generator inside its parallel walk kernel only for the
thread that starts the kernel, and which thread takes which walk depends on scheduling;
gensim 4 seeds its initial vectors from ``seed`` (not from Python's salted ``hash``), but with
several workers the order of its updates depends on thread timing. So with
``deterministic=True`` (the default) walks run on one numba thread and Word2Vec on one worker,
which gives bit-identical vectors for the same graph and seed, in the same or another process
(checked for all three sparse modes). ``deterministic=False`` uses ``workers`` threads for
both phases: vectors then differ from run to run (max abs difference 2.6 between two runs on
a 3,000-song catalog), and on a loaded 2-core machine it was not faster.

Mode (``mode='auto'``, see ``choose_mode``):

* p = q = 1: node2vec's second-order bias is the identity, so the walk is a first-order
  weighted walk and ``PreCompFirstOrder`` draws exactly the same distribution from one alias
  table per node (memory O(edges), O(1) per step).
* otherwise ``PreComp`` (one alias table per (node, previous node) pair: memory
  8 bytes x sum(degree^2)) while sum(degree^2) <= ``PRECOMP_MAX_ENTRIES``, else ``SparseOTF``
  (computes each step's probabilities on the fly: O(degree) per step, no extra memory).
  Genre hub nodes dominate sum(degree^2); measured numbers are in ``choose_mode``.
* ``DenseOTF`` is never chosen automatically: it stores an n x n float64 matrix (5 GB at
  25,000 nodes) and catalog graphs have density well under 0.1 %.

Songs without any edge (no anime id, no credits) only have walks of length 1, which are
dropped before Word2Vec (no context to learn from); their vector is set to exactly zero, the
bundle's L2 normalisation leaves a zero row zero, and cosine scoring gives them 0 (they are
never a node2vec neighbour).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from animusic_assets.core.graph import SongGraph

MODES = ("auto", "PreCompFirstOrder", "PreComp", "SparseOTF", "DenseOTF")
# 8 bytes per entry (uint32 alias index + float32 probability): 50M entries = 400 MB
PRECOMP_MAX_ENTRIES = 50_000_000
DENSE_MAX_NODES = 5_000


def choose_mode(graph: SongGraph, p: float = 1.0, q: float = 1.0) -> str:
    """The pecanpy mode ``mode='auto'`` uses for this graph and (p, q) (rule in the module doc).

    Measured with ``scripts/bench_node2vec.py --p 0.5 --q 2 --modes PreComp SparseOTF`` (2 cores,
    one walk thread, dim 64, 10 walks of 30 steps per node): on the synthetic 15,000-song
    catalog (22,920 nodes, max degree 3,411, sum(degree^2) = 41.5M) PreComp walks took 9.2 s
    against 24.1 s for SparseOTF, for about 0.5 GB more peak RSS (1,049 MB vs 527 MB before
    the walks); on the reference catalog (6,766 nodes, sum(degree^2) = 1.6M) both take under
    12 s, most of it numba compiling the walk kernel. Word2Vec (30-40 s on 15,000 songs) does
    not depend on the mode. The 50M-entry budget keeps PreComp's tables near 400 MB.
    """
    if p == 1 and q == 1:
        return "PreCompFirstOrder"
    degrees = graph.degrees().astype(np.float64)
    return "PreComp" if float((degrees**2).sum()) <= PRECOMP_MAX_ENTRIES else "SparseOTF"


def train_node2vec(
    graph: SongGraph,
    dim: int = 64,
    walk_length: int = 30,
    num_walks: int = 10,
    window: int = 5,
    p: float = 1.0,
    q: float = 1.0,
    epochs: int = 1,
    negative: int = 5,
    sample: float = 1e-3,
    seed: int = 0,
    workers: int = 2,
    mode: str = "auto",
    deterministic: bool = True,
    timings: dict | None = None,
) -> tuple[list[str], np.ndarray]:
    """Embed every node of ``graph``; returns ``(node_ids, float32 vectors)`` in graph order.

    Isolated nodes get a zero vector. ``timings``, when given, receives ``walks_s``,
    ``word2vec_s``, ``mode`` and ``walks`` (number of walks with at least one step).
    Raises ``ValueError`` on an empty graph, a graph without edges or bad parameters.
    """
    if graph is None or graph.n_nodes == 0:
        raise ValueError("cannot train node2vec on an empty graph (empty catalog?)")
    if graph.n_edges == 0:
        raise ValueError("cannot train node2vec on a graph without edges")
    for name, value in (
        ("dim", dim),
        ("walk_length", walk_length),
        ("num_walks", num_walks),
        ("window", window),
        ("epochs", epochs),
        ("workers", workers),
        ("negative", negative),
    ):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not 0 <= sample < 1:
        raise ValueError(f"sample must be in [0, 1), got {sample!r}")
    if not (p > 0 and q > 0):
        raise ValueError(f"p and q must be positive, got p={p!r}, q={q!r}")
    if mode not in MODES:
        raise ValueError(f"unknown pecanpy mode {mode!r} (expected one of {', '.join(MODES)})")
    if mode == "auto":
        mode = choose_mode(graph, p, q)
    if mode == "PreCompFirstOrder" and not (p == 1 and q == 1):
        raise ValueError(f"PreCompFirstOrder needs p = q = 1, got p={p}, q={q}")
    if mode == "DenseOTF" and graph.n_nodes > DENSE_MAX_NODES:
        raise ValueError(f"DenseOTF stores an n x n matrix; {graph.n_nodes} nodes is too many")
    threads = 1 if deterministic else int(workers)

    started = time.perf_counter()
    global_state = np.random.get_state()  # pecanpy reseeds numpy's global generator
    try:
        with _numba_threads(threads):
            walker = _walker(graph, mode, p, q, threads, seed)
            walks = walker.simulate_walks(num_walks=int(num_walks), walk_length=int(walk_length))
    finally:
        np.random.set_state(global_state)
    walked = time.perf_counter()

    from gensim.models import Word2Vec

    # walks of length 1 (isolated start nodes) carry no context: leave them out
    sentences = [walk for walk in walks if len(walk) > 1]
    model = Word2Vec(
        sentences,
        vector_size=int(dim),
        window=int(window),
        sg=1,
        min_count=0,
        workers=threads,
        epochs=int(epochs),
        negative=int(negative),
        sample=float(sample),
        seed=int(seed),
    )
    vectors = np.zeros((graph.n_nodes, int(dim)), dtype=np.float32)
    for i, node in enumerate(graph.nodes):
        if node in model.wv.key_to_index:
            vectors[i] = model.wv[node]
    finished = time.perf_counter()
    if timings is not None:
        timings.update(
            walks_s=round(walked - started, 3),
            word2vec_s=round(finished - walked, 3),
            mode=mode,
            walks=len(sentences),
        )
    return list(graph.nodes), vectors


def song_row_vectors(graph: SongGraph, vectors: np.ndarray) -> np.ndarray:
    """One float32 row per catalog row (the catalog ``graph`` was built from), in its order."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape[0] != graph.n_nodes:
        raise ValueError(f"expected {graph.n_nodes} node vectors, got {vectors.shape[0]}")
    return np.ascontiguousarray(vectors[graph.row_node])


def _walker(graph: SongGraph, mode: str, p: float, q: float, threads: int, seed: int) -> Any:
    from pecanpy import pecanpy

    walker = getattr(pecanpy, mode)(
        p=p, q=q, workers=threads, verbose=False, random_state=int(seed)
    )
    indptr, indices, data = graph.to_csr()
    if mode == "DenseOTF":
        dense = np.zeros((graph.n_nodes, graph.n_nodes), dtype=np.float64)
        rows = np.repeat(np.arange(graph.n_nodes), np.diff(indptr.astype(np.int64)))
        dense[rows, indices] = data
        walker.data = dense
    else:  # what SparseGraph.read_npz does, from memory
        walker.indptr, walker.indices, walker.data = indptr, indices, data
    walker.set_node_ids(graph.nodes)
    return walker


@contextmanager
def _numba_threads(n: int) -> Iterator[None]:
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def train_node2vec_isolated(
    graph: SongGraph, timings: dict | None = None, **params: Any
) -> tuple[list[str], np.ndarray]:
    """``train_node2vec`` in a fresh child process.

    numba's OpenMP worker threads outlive a walk and keep spinning beside torch's own OpenMP
    pool: MiniLM then encoded ~10x slower in the same process (343 -> 27 texts/s measured).
    numba's workqueue layer avoids that but runs walks off the seeding thread, which breaks
    the bit-identical seeds. A child process keeps both: seeds, and a clean parent.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        nodes, vectors, child_timings = pool.submit(_train_in_child, graph, params).result()
    if timings is not None:
        timings.update(child_timings)
    return nodes, vectors


def _train_in_child(graph: SongGraph, params: dict) -> tuple[list[str], np.ndarray, dict]:
    timings: dict = {}
    nodes, vectors = train_node2vec(graph, timings=timings, **params)
    return nodes, vectors, timings
