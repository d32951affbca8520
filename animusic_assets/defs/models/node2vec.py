"""node2vec over the typed song graph (pecanpy walks + gensim skip-gram), one vector per song row.

The graph (core/graph.py) links songs to their anime and credited creators, and anime to their
tags, genres, themes and studios; songs that share an anime, an artist or a studio end up near
each other. The value is a SongVectors: a float32 (n_catalog_rows, dim) matrix in catalog row
order; a song with no edges has a zero row (the bundle's L2 normalisation keeps it zero: it
scores 0).
"""

import time
from pathlib import Path

import dagster as dg
import pandas as pd

from animusic_assets.automation import rebuild_after_upstream
from animusic_assets.core.graph import build_song_graph
from animusic_assets.core.node2vec import song_row_vectors, train_node2vec_isolated
from animusic_assets.core.node2vec_incremental import (
    config_key,
    fold_in,
    load_state,
    save_state,
)
from animusic_assets.core.vectors import SongVectors
from animusic_assets.resources.embedder import EmbeddingCacheResource
from animusic_serving.recommend.scorers import PROFILE_QUERIES


class Node2VecConfig(dg.Config):
    dim: int = 64
    # with the nearest-profile query, NDCG@10 on the reference catalog (README): walks of 30 and
    # window 5 0.095, (40, 10) 0.092; with the mean query (60, 10) was best at 0.052, at twice
    # the Word2Vec time
    walk_length: int = 30
    num_walks: int = 10
    window: int = 5
    p: float = 1.0
    q: float = 1.0
    epochs: int = 1
    # skip-gram negative samples and the frequent-node down-sampling threshold (gensim's
    # ``negative`` and ``sample``)
    negative: int = 5
    sample: float = 1e-3
    seed: int = 0
    workers: int = 2
    # auto | PreCompFirstOrder | PreComp | SparseOTF | DenseOTF (rule in core/node2vec.py)
    mode: str = "auto"
    # one walk thread and one Word2Vec worker: bit-identical vectors for the same seed
    deterministic: bool = True
    # multipliers per credit role (vocals, lyrics, composition, arrangement, chorus) and per
    # edge type (song-anime, song-creator, anime-tag, anime-genre, anime-theme, anime-studio)
    role_weights: dict[str, float] = {}
    edge_weights: dict[str, float] = {}
    link_names_to_ids: bool = True
    # fold new nodes into the last full training's space (core/node2vec_incremental.py) while
    # they are at most this share of the graph; beyond it, or with incremental off, retrain
    incremental: bool = True
    max_new_share: float = 0.1
    # how serving builds the query from a profile (recommend/scorers.py): "nearest" profile
    # song or the profile's "mean"; nearest lifts NDCG@10 here as for the transformers (README)
    profile_query: str = "nearest"


@dg.asset(
    group_name="models",
    kinds={"networkx", "numpy"},
    automation_condition=rebuild_after_upstream(),
    description="The `node2vec` model: graph embeddings of songs, anime, artists, "
    "studios and tags (pecanpy walks + Word2Vec), folded in incrementally "
    "when the graph only grew.",
)
def node2vec_model(
    context: dg.AssetExecutionContext,
    config: Node2VecConfig,
    catalog: pd.DataFrame,
    embedding_cache: EmbeddingCacheResource,
) -> dg.MaterializeResult:
    if config.profile_query not in PROFILE_QUERIES:
        raise dg.Failure(
            description=f"profile_query must be one of {PROFILE_QUERIES}, "
            f"got {config.profile_query!r}"
        )
    started = time.perf_counter()
    graph = build_song_graph(
        catalog,
        role_weights=config.role_weights,
        edge_weights=config.edge_weights,
        link_names_to_ids=config.link_names_to_ids,
    )
    built = time.perf_counter()
    params = {
        "dim": config.dim,
        "walk_length": config.walk_length,
        "num_walks": config.num_walks,
        "window": config.window,
        "p": config.p,
        "q": config.q,
        "epochs": config.epochs,
        "negative": config.negative,
        "sample": config.sample,
        "seed": config.seed,
        "deterministic": config.deterministic,
        "role_weights": dict(config.role_weights),
        "edge_weights": dict(config.edge_weights),
        "link_names_to_ids": config.link_names_to_ids,
    }
    state_dir = Path(embedding_cache.resolved_root()) / "node2vec" / config_key(params)
    state = load_state(state_dir) if config.incremental else None
    timings: dict = {}
    vectors, how = None, "full training"
    if state is not None:
        known = set(state[0])
        new_share = sum(node not in known for node in graph.nodes) / max(graph.n_nodes, 1)
        if new_share <= config.max_new_share:
            vectors, n_new = fold_in(graph, *state)
            how = f"incremental: {n_new} new nodes folded in"
    if vectors is None:
        nodes, vectors = train_node2vec_isolated(
            graph,
            dim=config.dim,
            walk_length=config.walk_length,
            num_walks=config.num_walks,
            window=config.window,
            p=config.p,
            q=config.q,
            epochs=config.epochs,
            negative=config.negative,
            sample=config.sample,
            seed=config.seed,
            workers=config.workers,
            mode=config.mode,
            deterministic=config.deterministic,
            timings=timings,
        )
        save_state(state_dir, nodes, vectors)
    context.log.info("node2vec: %s", how)
    matrix = song_row_vectors(graph, vectors)
    zero_rows = int((~matrix.any(axis=1)).sum())
    params["mode"] = timings.get("mode", "fold-in")
    params["profile_query"] = config.profile_query  # serving only: not part of the state key
    return dg.MaterializeResult(
        value=SongVectors(matrix, params),
        metadata={
            "rows": matrix.shape[0],
            "dim": matrix.shape[1],
            "built_by": how,
            "nodes": graph.n_nodes,
            "edges": graph.n_edges,
            "nodes_per_type": graph.node_counts(),
            "edges_per_type": graph.edge_counts(),
            "zero_rows": zero_rows,
            "walks": timings.get("walks", 0),
            "graph_seconds": round(built - started, 3),
            "walk_seconds": timings.get("walks_s", 0.0),
            "word2vec_seconds": timings.get("word2vec_s", 0.0),
            "seconds": round(time.perf_counter() - started, 3),
            "params": params,
        },
    )
