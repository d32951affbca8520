#!/usr/bin/env python3
"""Model build benchmark: time and peak memory per model, full and incremental.

    .venv/bin/python scripts/bench_models.py                      # reference + synthetic 15k
    .venv/bin/python scripts/bench_models.py --catalogs synthetic --skip mpnet
    .venv/bin/python scripts/bench_models.py --catalogs --lists-anime 1500 5000 20000

For each catalog it runs every model in its own subprocess (so each peak RSS is that model's
own) twice: a *full* build on the whole catalog with a cold embedding cache, and an
*incremental* build after one new 50-anime partition, with the cache warmed by the catalog
as it was before that partition. TF-IDF and popularity are refitted on the whole
catalog either way; the transformers embed only new or changed documents, and node2vec folds
the new nodes into its last full training (core/node2vec_incremental.py). Prints a markdown
table; figures go to the README (never to timed unit tests).

``--lists-anime``: the collaborative ``lists`` model (EASE, core/lists_model.py) trained on
synthetic lists with that many anime (default 1.5k, 5k, 20k), each in its own subprocess:
training time (matrix, Gram, one λ solve, top-k) and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "data" / "reference_catalog.csv"
MODELS = ("tfidf", "popularity", "node2vec", "minilm", "mpnet")
NEW_PARTITION_ANIME = 50


def load_records(catalog: str) -> list[dict]:
    if catalog == "reference":
        from animusic_assets.sources.animusic_csv import read_animusic_csv

        return read_animusic_csv(REFERENCE)
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench_node2vec import synthetic_records

    return synthetic_records(n_songs=15_000)


def before_partition(records: list[dict]) -> list[dict]:
    """The catalog as it was before the newest 50-anime partition arrived."""
    return sorted(records, key=lambda r: r["mal_id"])[:-NEW_PARTITION_ANIME]


def run_phase(model: str, catalog: str, which: str, cache_dir: str) -> dict:
    """Child process: build the catalog, then time one model; report its own peak RSS."""
    from animusic_assets.core.catalog import build_catalog_with_rejects

    records = load_records(catalog)
    if which == "before":
        records = before_partition(records)
    frame, _ = build_catalog_with_rejects(records)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if model == "tfidf":
        from animusic_assets.core.documents import song_documents
        from animusic_assets.core.tfidf import fit_tfidf

        fit_tfidf(song_documents(frame).tolist(), sublinear_tf=True, max_ngram=2)
    elif model == "popularity":
        from animusic_assets.core.popularity import popularity_scores

        popularity_scores(frame)
    elif model == "node2vec":  # the asset itself: full training, or folding in new nodes
        import dagster as dg

        from animusic_assets.defs.models.node2vec import Node2VecConfig, node2vec_model
        from animusic_assets.resources.embedder import EmbeddingCacheResource

        node2vec_model(
            context=dg.build_asset_context(),
            config=Node2VecConfig(),
            catalog=frame,
            embedding_cache=EmbeddingCacheResource(root=cache_dir),
        )
    else:
        from animusic_assets.core.documents import song_documents
        from animusic_assets.core.embedding_cache import EmbeddingCache
        from animusic_assets.core.embeddings import encode_documents_with_stats

        # the encoder's load time counts: a rebuild pays it too
        encode_documents_with_stats(
            model, song_documents(frame).tolist(), EmbeddingCache(cache_dir)
        )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "model": model,
        "seconds": seconds,
        "peak_rss_mb": peak,
        "baseline_rss_mb": baseline,
        "songs": len(frame),
    }


def synthetic_list_pairs(n_anime: int, seed: int = 0):
    """Positive (user, anime) pairs shaped like real lists (user_lists_dev.csv: ~4k users,
    ~6.5k anime, ~25 positives a user, anime popularity long-tailed): 2 users per anime,
    a Zipf-like popularity, and taste clusters (a user draws most anime from one of 50
    genres-like groups), so the Gram matrix is realistically sparse and structured."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_users = 2 * n_anime
    popularity = 1.0 / np.arange(1, n_anime + 1) ** 0.9
    groups = rng.integers(0, 50, size=n_anime)
    per_user = np.clip(rng.geometric(1 / 25, size=n_users), 3, 300)
    users, anime = [], []
    for u in range(n_users):
        taste = groups == rng.integers(50)
        weights = popularity * np.where(taste, 8.0, 1.0)
        chosen = rng.choice(
            n_anime, size=min(per_user[u], n_anime), replace=False, p=weights / weights.sum()
        )
        users.append(np.full(len(chosen), u))
        anime.append(chosen + 1)
    return pd.DataFrame(
        {
            "user_key": np.concatenate(users).astype(str),
            "mal_id": np.concatenate(anime).astype(np.int64),
        }
    )


def run_lists_phase(n_anime: int) -> dict:
    """Child process: train the lists model on synthetic lists with ``n_anime`` anime."""
    from animusic_assets.core.lists_model import DEFAULT_L2, train_lists_model

    pairs = synthetic_list_pairs(n_anime)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    model = train_lists_model(pairs, DEFAULT_L2)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stored = sum(
        a.nbytes for a in (model.weights, model.knn_rows, model.knn_weights) if a is not None
    )
    return {
        "anime_listed": n_anime,
        "users": model.params["users"],
        "positives": model.params["positives"],
        "anime_modelled": model.n_anime,
        "storage": model.params["storage"],
        "seconds": seconds,
        "peak_rss_mb": peak,
        "model_rss_mb": peak - baseline,
        "bundle_mb": stored / 2**20,
    }


def lists_markdown(rows: list[dict]) -> str:
    lines = [
        "| anime listed | users | positives | anime modelled | stored as | training (s) | "
        "peak RSS (MB) | of which training (MB) | bundle arrays (MB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['anime_listed']:,} | {r['users']:,} | {r['positives']:,} | "
            f"{r['anime_modelled']:,} | {r['storage']} | {r['seconds']:.1f} | "
            f"{r['peak_rss_mb']:.0f} | {r['model_rss_mb']:.0f} | {r['bundle_mb']:.0f} |"
        )
    return "\n".join(lines)


def spawn_lists(n_anime: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--lists-phase", str(n_anime)], capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"lists at {n_anime} anime failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def spawn(model: str, catalog: str, which: str, cache_dir: str) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--phase",
            model,
            "--catalog-name",
            catalog,
            "--which",
            which,
            "--cache",
            cache_dir,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    if out.returncode != 0:
        raise SystemExit(f"{model} on {catalog} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_catalog(catalog: str, models: list[str]) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as cold, tempfile.TemporaryDirectory() as warm:
        for model in models:
            full = spawn(model, catalog, "after", cold)
            if model in ("minilm", "mpnet", "node2vec"):
                spawn(model, catalog, "before", warm)  # the state the last build left
            incremental = spawn(model, catalog, "after", warm)
            rows.append(
                {
                    "catalog": catalog,
                    "model": model,
                    "songs": full["songs"],
                    "full_s": full["seconds"],
                    "incremental_s": incremental["seconds"],
                    "peak_rss_mb": full["peak_rss_mb"],
                    "model_rss_mb": full["peak_rss_mb"] - full["baseline_rss_mb"],
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        "| catalog | model | songs | full build (s) | after one 50-anime partition (s) | "
        "peak RSS (MB) | of which the model (MB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['catalog']} | {r['model']} | {r['songs']:,} | {r['full_s']:.1f} | "
            f"{r['incremental_s']:.1f} | {r['peak_rss_mb']:.0f} | {r['model_rss_mb']:.0f} |"
        )
    for catalog in dict.fromkeys(r["catalog"] for r in rows):
        mine = [r for r in rows if r["catalog"] == catalog]
        full = sum(r["full_s"] for r in mine)
        incremental = sum(r["incremental_s"] for r in mine)
        lines.append(
            f"| {catalog} | **all** | | **{full:.1f}** | **{incremental:.1f} "
            f"({incremental / full:.0%})** | | |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogs", nargs="*", default=["reference", "synthetic"])
    parser.add_argument("--skip", nargs="*", default=[])
    parser.add_argument("--lists-anime", nargs="*", type=int, default=[1500, 5000, 20000])
    parser.add_argument("--lists-phase", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--catalog-name", help=argparse.SUPPRESS)
    parser.add_argument("--which", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.lists_phase:
        print(json.dumps(run_lists_phase(args.lists_phase)))
        return 0
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.catalog_name, args.which, args.cache)))
        return 0
    catalogs = [c for c in args.catalogs if c != "reference" or REFERENCE.is_file()]
    models = [m for m in MODELS if m not in args.skip]
    rows = [row for catalog in catalogs for row in bench_catalog(catalog, models)]
    print(f"machine: {os.cpu_count()} cores; command: {' '.join(sys.argv)}\n")
    if rows:
        print(markdown(rows))
    lists_rows = [spawn_lists(n) for n in args.lists_anime]
    if lists_rows:
        print("\nlists model (EASE) on synthetic lists:\n")
        print(lists_markdown(lists_rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
