"""What verifying a bundle's checksums costs when the API swaps in a version.

Publishes a synthetic bundle of N songs with the served shapes (MiniLM 384-d, MPNet 768-d,
node2vec 64-d, each with 128 neighbours per song, plus popularity) into a temporary
directory, then times ``load_bundle`` without and with ``verify=True`` (what
``BundleHolder`` does on every swap), best of a few rounds.

usage: .venv/bin/python scripts/bench_bundle_verify.py [--songs 15000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from animusic_serving.bundle import load_bundle
from animusic_serving.bundle_builder import BundleBuilder


def publish(root: Path, n: int) -> tuple[str, int]:
    rng = np.random.default_rng(0)
    songs = pd.DataFrame(
        {
            "song_id": [f"s{i}" for i in range(n)],
            "anime_id": np.arange(n, dtype=np.int64) // 4 + 1,
            "relation": ["opening"] * n,
            "title": [f"Song {i}" for i in range(n)],
            "anime_title": [f"Anime {i // 4}" for i in range(n)],
            "artists": [[f"Artist {i % 97}"] for i in range(n)],
            "links": [json.dumps([]) for _ in range(n)],
        }
    )
    builder = BundleBuilder(songs)
    for name, dim in (("minilm", 384), ("mpnet", 768), ("node2vec", 64)):
        builder.add_dense(name, rng.normal(size=(n, dim)).astype(np.float32), neighbours=128)
    builder.add_scores("popular", rng.random(n))
    version = builder.publish(root, catalog_hash="bench")
    size = sum(p.stat().st_size for p in (root / "versions" / version).iterdir())
    return version, size


def best_of(rounds: int, fn) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=15_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        version, size = publish(root, args.songs)
        plain = best_of(args.rounds, lambda: load_bundle(root, version))
        verified = best_of(args.rounds, lambda: load_bundle(root, version, verify=True))
    print(
        f"{args.songs} songs, {size / 1e6:.0f} MB: load {plain * 1000:.0f} ms, "
        f"load + verify {verified * 1000:.0f} ms ({size / 1e6 / max(verified - plain, 1e-9):.0f}"
        f" MB/s hashed)"
    )


if __name__ == "__main__":
    main()
