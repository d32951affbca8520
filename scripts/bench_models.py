#!/usr/bin/env python3
"""Model build benchmark: time and peak memory per model, full and incremental.

    .venv/bin/python scripts/bench_models.py                      # reference + synthetic 15k
    .venv/bin/python scripts/bench_models.py --catalogs synthetic --skip mpnet

For each catalog it runs every model in its own subprocess (so each peak RSS is that model's
own) twice: a *full* build on the whole catalog with a cold embedding cache, and an
*incremental* build after one new 50-anime partition, with the cache warmed by the catalog
as it was before that partition. TF-IDF and popularity are refitted on the whole
catalog either way; the transformers embed only new or changed documents, and node2vec folds
the new nodes into its last full training (core/node2vec_incremental.py). Prints a markdown
table; figures go to the README (never to timed unit tests).
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

        node2vec_model(context=dg.build_asset_context(), config=Node2VecConfig(), catalog=frame,
                       embedding_cache=EmbeddingCacheResource(root=cache_dir))
    else:
        from animusic_assets.core.documents import song_documents
        from animusic_assets.core.embedding_cache import EmbeddingCache
        from animusic_assets.core.embeddings import encode_documents_with_stats

        # the encoder's load time counts: a rebuild pays it too
        encode_documents_with_stats(model, song_documents(frame).tolist(),
                                               EmbeddingCache(cache_dir))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"model": model, "seconds": seconds, "peak_rss_mb": peak, "baseline_rss_mb": baseline,
            "songs": len(frame)}


def spawn(model: str, catalog: str, which: str, cache_dir: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", model, "--catalog-name", catalog,
                          "--which", which, "--cache", cache_dir],
                         capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
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
            rows.append({"catalog": catalog, "model": model, "songs": full["songs"],
                         "full_s": full["seconds"], "incremental_s": incremental["seconds"],
                         "peak_rss_mb": full["peak_rss_mb"],
                         "model_rss_mb": full["peak_rss_mb"] - full["baseline_rss_mb"]})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def markdown(rows: list[dict]) -> str:
    lines = ["| catalog | model | songs | full build (s) | after one 50-anime partition (s) | "
             "peak RSS (MB) | of which the model (MB) |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['catalog']} | {r['model']} | {r['songs']:,} | {r['full_s']:.1f} | "
                     f"{r['incremental_s']:.1f} | {r['peak_rss_mb']:.0f} | {r['model_rss_mb']:.0f} |")
    for catalog in dict.fromkeys(r["catalog"] for r in rows):
        mine = [r for r in rows if r["catalog"] == catalog]
        full = sum(r["full_s"] for r in mine)
        incremental = sum(r["incremental_s"] for r in mine)
        lines.append(f"| {catalog} | **all** | | **{full:.1f}** | **{incremental:.1f} "
                     f"({incremental / full:.0%})** | | |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogs", nargs="*", default=["reference", "synthetic"])
    parser.add_argument("--skip", nargs="*", default=[])
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--catalog-name", help=argparse.SUPPRESS)
    parser.add_argument("--which", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(run_phase(args.phase, args.catalog_name, args.which, args.cache)))
        return 0
    catalogs = [c for c in args.catalogs if c != "reference" or REFERENCE.is_file()]
    models = [m for m in MODELS if m not in args.skip]
    rows = [row for catalog in catalogs for row in bench_catalog(catalog, models)]
    print(f"machine: {os.cpu_count()} cores; command: {' '.join(sys.argv)}\n")
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
