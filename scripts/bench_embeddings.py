#!/usr/bin/env python3
"""Benchmark the MiniLM/MPNet encoders on real song documents.

Documents come from ``../shared/data/reference_catalog.csv`` (or ``--csv``), built with
``core/documents.song_document`` from the CSV's title, anime titles, relation, vocals, genres,
themes, studios and source. For each model, in the same process and interleaved round by
round (this machine's 2 cores are shared, so each figure is the best of ``--rounds``):

* plain ``SentenceTransformer.encode(docs, batch_size=32)`` (fp32) texts/s,
* our ``encode_documents`` (default fast mode, no cache) texts/s, the ratio, and the min/mean
  cosine of its vectors to the plain fp32 ones; ``--backends`` adds other backends;
* incremental: a cold cached run over all documents, then the same after changing the
  documents of 50 anime (only those are embedded again), then an unchanged re-run.

Prints a markdown table. Usage:

    HF_HUB_OFFLINE=1 python scripts/bench_embeddings.py [--minilm-n 1000] [--mpnet-n 300]
        [--models minilm,mpnet] [--rounds 2] [--backends torch-fp32,onnx-fp32] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from animusic_assets.core import embeddings as emb  # noqa: E402
from animusic_assets.core import encoders  # noqa: E402
from animusic_assets.core.documents import song_document  # noqa: E402
from animusic_assets.core.embedding_cache import EmbeddingCache  # noqa: E402

DEFAULT_CSV = ROOT.parent / "shared" / "data" / "reference_catalog.csv"


def _split(value) -> list[str]:
    return [p.strip() for p in str(value or "").split(",") if p.strip()]


def load_documents(csv: Path) -> tuple[list[str], list[int]]:
    """(documents, MAL anime id per document) in the CSV's row order."""
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    docs, anime = [], []
    for row in frame.to_dict("records"):
        if not row.get("song", "").strip():
            continue
        record = {
            "title": row["song"].strip(),
            "anime_title": row.get("MAL_Title") or row.get("anime"),
            "anime_title_english": row.get("MAL_Title_EN") or None,
            "relation": row.get("relation", "").strip().lower(),
            "credits": [{"role": "vocals", "name": n} for n in _split(row.get("vocals"))],
            "genres": _split(row.get("MAL_Genres")),
            "themes": _split(row.get("MAL_Themes")),
            "studios": _split(row.get("MAL_Studios")),
            "source": row.get("MAL_Source") or None,
        }
        docs.append(song_document(record))
        anime.append(int(float(row["MAL_ID"])) if row.get("MAL_ID") else -1)
    return docs, anime


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _timed_cpu(fn):
    """(wall seconds, process CPU seconds, value): CPU time is less sensitive to other
    processes on a shared machine, wall time is what a run costs."""
    cpu, start = time.process_time(), time.perf_counter()
    value = fn()
    return time.perf_counter() - start, time.process_time() - cpu, value


def bench_model(
    model: str, docs: list[str], anime: list[int], rounds: int, extra_backends: list[str]
) -> dict:
    path = emb.resolve_model_path(model)
    plain = encoders.load_sentence_transformer(path, "cpu")
    warm = docs[-32:]
    plain.encode(warm, batch_size=32)
    fast_backend = emb._choose_backend("fast", None, emb.pick_device())[0]
    variants: dict[str, str | None] = {
        "plain ST fp32 bs32": None,
        f"ours fast ({fast_backend})": fast_backend,
    }
    for b in extra_backends:
        if b != fast_backend:
            variants[f"ours {b}"] = b
    for warm_backend in filter(None, variants.values()):  # load + warm each encoder, no cache
        emb.encode_documents(model, warm, None, backend=warm_backend)
    times: dict[str, list[float]] = {k: [] for k in variants}
    cpu_times: dict[str, list[float]] = {k: [] for k in variants}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(rounds):
        for name, backend in variants.items():
            if backend is None:
                seconds, cpu, v = _timed_cpu(
                    lambda p=plain: p.encode(docs, batch_size=32, normalize_embeddings=True)
                )
            else:
                seconds, cpu, v = _timed_cpu(
                    lambda b=backend: emb.encode_documents(model, docs, None, backend=b)
                )
            times[name].append(seconds)
            cpu_times[name].append(cpu)
            vectors[name] = np.asarray(v, dtype=np.float32)
    reference = vectors["plain ST fp32 bs32"]
    base = len(docs) / min(times["plain ST fp32 bs32"])
    base_cpu = len(docs) / min(cpu_times["plain ST fp32 bs32"])
    rows = []
    for name in variants:
        cos = (vectors[name] * reference).sum(axis=1)
        best = len(docs) / min(times[name])
        rows.append(
            {
                "model": model,
                "encoder": name,
                "docs": len(docs),
                "texts_per_s": round(best, 1),
                "median_texts_per_s": round(len(docs) / statistics.median(times[name]), 1),
                "ratio": round(best / base, 2),
                "cpu_ratio": round(len(docs) / min(cpu_times[name]) / base_cpu, 2),
                "cos_min": float(cos.min()),
                "cos_mean": float(cos.mean()),
            }
        )
    del plain
    return {"speed": rows}


def bench_incremental(model: str, docs: list[str], anime: list[int]) -> dict:
    with tempfile.TemporaryDirectory(prefix="animusic-bench-cache-") as tmp:
        cache = EmbeddingCache(tmp)
        full_s, (_, full) = _timed(lambda: emb.encode_documents_with_stats(model, docs, cache))
        changed_anime = list(dict.fromkeys(anime))[:50]
        chosen = set(changed_anime)
        changed = [
            d + ". themes: Remastered" if a in chosen else d
            for d, a in zip(docs, anime, strict=True)
        ]
        inc_s, (_, inc) = _timed(lambda: emb.encode_documents_with_stats(model, changed, cache))
        same_s, (_, same) = _timed(lambda: emb.encode_documents_with_stats(model, changed, cache))
    return {
        "model": model,
        "docs": len(docs),
        "backend": full.backend,
        "full_s": round(full_s, 2),
        "full_misses": full.misses,
        "changed_anime": len(changed_anime),
        "changed_docs": inc.misses,
        "incremental_s": round(inc_s, 2),
        "incremental_hits": inc.hits,
        "unchanged_s": round(same_s, 3),
        "unchanged_misses": same.misses,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--models", default="minilm,mpnet")
    parser.add_argument("--minilm-n", type=int, default=1000, help="documents (0 = all)")
    parser.add_argument("--mpnet-n", type=int, default=300, help="documents (0 = all)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--minilm-incremental-n",
        type=int,
        default=0,
        help="documents for the incremental case (0 = all)",
    )
    parser.add_argument(
        "--mpnet-incremental-n",
        type=int,
        default=1000,
        help="documents for the incremental case (0 = all)",
    )
    parser.add_argument("--backends", default="", help="extra backends, comma-separated")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        print(f"skipped: {args.csv} not found (the reference catalog lives in ../shared)")
        return 0
    docs, anime = load_documents(args.csv)
    import torch

    print(
        f"{len(docs)} documents from {args.csv}; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, device {emb.pick_device()}, "
        f"bf16 CPU: {emb.cpu_supports_bf16()}, onnxruntime: {emb.onnx_available()}, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results = []
    for model in filter(None, args.models.split(",")):
        n = {"minilm": args.minilm_n, "mpnet": args.mpnet_n}.get(model, 0) or len(docs)
        try:
            emb.resolve_model_path(model)
        except emb.ModelWeightsMissing as exc:
            print(f"skipped {model}: {exc}")
            continue
        print(f"benchmarking {model} on {min(n, len(docs))} documents …", flush=True)
        result = bench_model(
            model, docs[:n], anime[:n], args.rounds, [b for b in args.backends.split(",") if b]
        )
        m = {"minilm": args.minilm_incremental_n, "mpnet": args.mpnet_incremental_n}.get(model, 0)
        m = m or len(docs)
        print(f"incremental case for {model} on {min(m, len(docs))} documents …", flush=True)
        result["incremental"] = bench_incremental(model, docs[:m], anime[:m])
        results.append(result)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}\n")
    print(
        "| model | encoder | docs | texts/s (best) | texts/s (median) | × plain (wall) | "
        "× plain (CPU time) | cos min | cos mean |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for result in results:
        for r in result["speed"]:
            print(
                f"| {r['model']} | {r['encoder']} | {r['docs']} | {r['texts_per_s']} | "
                f"{r['median_texts_per_s']} | {r['ratio']} | {r['cpu_ratio']} | "
                f"{r['cos_min']:.5f} | {r['cos_mean']:.5f} |"
            )
    print(
        "\n| model | backend | docs | full (cold cache) s | changed anime → docs re-embedded | "
        "incremental s | unchanged re-run s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for result in results:
        r = result["incremental"]
        print(
            f"| {r['model']} | {r['backend']} | {r['docs']} | {r['full_s']} | "
            f"{r['changed_anime']} → {r['changed_docs']} | {r['incremental_s']} | "
            f"{r['unchanged_s']} |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
