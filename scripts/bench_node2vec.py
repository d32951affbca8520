"""Benchmark the node2vec model: graph build + pecanpy walks + Word2Vec, time and peak RSS.

    .venv/bin/python scripts/bench_node2vec.py                 # reference CSV + synthetic 15k
    .venv/bin/python scripts/bench_node2vec.py --songs 15000 --no-reference --modes SparseOTF
    .venv/bin/python scripts/bench_node2vec.py --p 0.5 --q 2 --nondeterministic

(a) ``../shared/data/reference_catalog.csv`` (skipped when absent): real MAL/AnimeThemes data,
    mapped to anime records here and cleaned by ``core.catalog.build_catalog``.
(b) a seeded synthetic catalog with a realistic shape: ~4,500 anime, ~3.3 songs each, ~3,000
    credited artists drawn from a power law, 20 genres, 40 themes, 300 studios, AniDB-style
    weighted tags on half of the anime.
Peak RSS is the process's high-water mark (``ru_maxrss``) after each phase, so it only grows.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from animusic_assets.core.catalog import build_catalog  # noqa: E402
from animusic_assets.core.graph import build_song_graph  # noqa: E402
from animusic_assets.core.node2vec import choose_mode, song_row_vectors, train_node2vec  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "data" / "reference_catalog.csv"
GENRES = [
    "Action",
    "Comedy",
    "Drama",
    "Fantasy",
    "Romance",
    "Sci-Fi",
    "Slice of Life",
    "Adventure",
    "Mystery",
    "Supernatural",
    "Sports",
    "Suspense",
    "Horror",
    "Ecchi",
    "Award Winning",
    "Boys Love",
    "Girls Love",
    "Gourmet",
    "Avant Garde",
    "Hentai",
]
RELATIONS = ["opening", "ending", "insert", "image"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def reference_records(path: Path) -> list[dict]:
    """The reference CSV (original Animusic layout) as anime records for ``build_catalog``."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    split = lambda value: [v.strip() for v in (value or "").split(",") if v.strip()]  # noqa: E731
    anime: dict[int, dict] = {}
    for row in frame.to_dict("records"):
        if not row["MAL_ID"].strip().isdigit() or not row["song"].strip():
            continue
        mal_id = int(row["MAL_ID"])
        if row["relation"].strip().lower() not in ("opening", "ending", "insert", "image"):
            continue
        record = anime.setdefault(
            mal_id,
            {
                "mal_id": mal_id,
                "title_romaji": row["MAL_Title"] or row["anime"],
                "genres": split(row.get("MAL_Genres")),
                "themes": split(row.get("MAL_Themes")),
                "studios": split(row.get("MAL_Studios")),
                "source": row.get("MAL_Source") or None,
                "tags": [{"name": t, "weight": None} for t in split(row.get("tags"))],
                "songs": [],
            },
        )
        credits = [
            {"role": role, "name": name, "creator_id": None}
            for role in ("vocals", "lyrics", "composition", "arrangement")
            for name in split(row.get(role))
        ]
        record["songs"].append(
            {
                "relation": row["relation"],
                "title": row["song"],
                "episodes": row.get("episodes") or None,
                "credits": credits,
                "links": [],
            }
        )
    return list(anime.values())


def synthetic_records(
    n_songs: int = 15_000,
    n_anime: int = 4_500,
    n_artists: int = 3_000,
    n_studios: int = 300,
    n_themes: int = 40,
    n_tags: int = 400,
    seed: int = 0,
) -> list[dict]:
    rng = np.random.default_rng(seed)

    def power_law(n: int, exponent: float) -> np.ndarray:
        weights = 1.0 / np.arange(1, n + 1) ** exponent
        return weights / weights.sum()

    artist_p, studio_p = power_law(n_artists, 1.0), power_law(n_studios, 1.1)
    genre_p, theme_p, tag_p = (
        power_law(len(GENRES), 0.8),
        power_law(n_themes, 0.9),
        power_law(n_tags, 0.9),
    )
    songs_per_anime = np.ones(n_anime, dtype=int)  # every anime has a song; long shows have many
    extra = rng.choice(n_anime, size=n_songs - n_anime, p=power_law(n_anime, 0.6))
    np.add.at(songs_per_anime, extra, 1)
    has_id = rng.random(n_artists) < 0.5  # half the creators come with an AniDB id
    records = []
    for a in range(n_anime):
        genres = rng.choice(len(GENRES), size=rng.integers(1, 5), replace=False, p=genre_p)
        themes = rng.choice(n_themes, size=rng.integers(0, 4), replace=False, p=theme_p)
        studios = rng.choice(n_studios, size=1 + (rng.random() < 0.15), replace=False, p=studio_p)
        tags = []
        if rng.random() < 0.5:
            for t in rng.choice(n_tags, size=rng.integers(3, 15), replace=False, p=tag_p):
                tags.append({"name": f"tag {t}", "weight": float(rng.integers(0, 7) * 100)})
        songs = []
        for s in range(songs_per_anime[a]):
            credits = []
            for role, prob in (
                ("vocals", 1.0),
                ("lyrics", 0.4),
                ("composition", 0.4),
                ("arrangement", 0.3),
            ):
                if rng.random() < prob:
                    who = int(rng.choice(n_artists, p=artist_p))
                    credits.append(
                        {
                            "role": role,
                            "name": f"Artist {who}",
                            "creator_id": 100_000 + who if has_id[who] else None,
                        }
                    )
            songs.append(
                {
                    "relation": RELATIONS[0 if s % 2 == 0 else 1]
                    if s < 8
                    else RELATIONS[2 + s % 2],
                    "sequence": s // 2 + 1,
                    "title": f"Song {a}-{s}",
                    "credits": credits,
                    "links": [],
                }
            )
        records.append(
            {
                "mal_id": a + 1,
                "title_romaji": f"Anime {a}",
                "genres": [GENRES[g] for g in genres],
                "themes": [f"Theme {t}" for t in themes],
                "studios": [f"Studio {s}" for s in studios],
                "source": "Manga",
                "tags": tags,
                "songs": songs,
            }
        )
    return records


def bench(name: str, records: list[dict], args: argparse.Namespace) -> None:
    print(f"\n== {name}")
    t0 = time.perf_counter()
    catalog = build_catalog(records)
    t1 = time.perf_counter()
    print(
        f"catalog: {len(catalog)} rows, {catalog['anime_id'].nunique()} anime "
        f"({t1 - t0:.2f} s, peak RSS {peak_rss_mb():.0f} MB)"
    )
    graph = build_song_graph(catalog)
    t2 = time.perf_counter()
    degrees = graph.degrees().astype(np.float64)
    print(f"graph: {graph.n_nodes} nodes {graph.node_counts()}")
    print(f"       {graph.n_edges} typed edges {graph.edge_counts()}")
    print(
        f"       max degree {int(degrees.max())}, sum(degree^2) {degrees @ degrees:,.0f} "
        f"({t2 - t1:.2f} s, peak RSS {peak_rss_mb():.0f} MB)"
    )
    print(f"auto mode for p={args.p}, q={args.q}: {choose_mode(graph, args.p, args.q)}")
    for mode in args.modes:
        timings: dict = {}
        t3 = time.perf_counter()
        try:
            _, vectors = train_node2vec(
                graph,
                dim=args.dim,
                walk_length=args.walk_length,
                num_walks=args.num_walks,
                window=args.window,
                p=args.p,
                q=args.q,
                epochs=args.epochs,
                seed=0,
                negative=args.negative,
                sample=args.sample,
                workers=args.workers,
                mode=mode,
                deterministic=not args.nondeterministic,
                timings=timings,
            )
        except ValueError as exc:
            print(f"node2vec [{mode}]: skipped: {exc}")
            continue
        rows = song_row_vectors(graph, vectors)
        t4 = time.perf_counter()
        zero = int((np.abs(rows).sum(axis=1) == 0).sum())
        print(
            f"node2vec [{timings['mode']}]: {t4 - t3:.1f} s total (walks {timings['walks_s']} s, "
            f"word2vec {timings['word2vec_s']} s, {timings['walks']} walks), "
            f"rows {rows.shape}, zero rows {zero}, peak RSS {peak_rss_mb():.0f} MB"
        )
        print(f"   same-anime vs random song cosine: {_cohesion(catalog, rows)}")


def _cohesion(catalog: pd.DataFrame, rows: np.ndarray) -> str:
    """Mean cosine of song pairs from the same anime vs random pairs (a sanity signal)."""
    unit = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    rng = np.random.default_rng(1)
    groups = [g for g in catalog.groupby("anime_id").indices.values() if len(g) > 1]
    same = [float(unit[g[0]] @ unit[g[1]]) for g in groups[:2000]]
    a, b = rng.integers(0, len(rows), 2000), rng.integers(0, len(rows), 2000)
    random_pairs = np.einsum("ij,ij->i", unit[a], unit[b])
    return f"{np.mean(same):.3f} vs {float(random_pairs.mean()):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--songs", type=int, default=15_000)
    parser.add_argument("--anime", type=int, default=4_500)
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument(
        "--modes",
        nargs="+",
        default=["auto"],
        help="auto, PreCompFirstOrder, PreComp, SparseOTF, DenseOTF",
    )
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--walk-length", type=int, default=30)
    parser.add_argument("--num-walks", type=int, default=10)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--p", type=float, default=1.0)
    parser.add_argument("--q", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--nondeterministic",
        action="store_true",
        help="use --workers threads for walks and word2vec (not reproducible)",
    )
    args = parser.parse_args()
    print(
        f"python {sys.version.split()[0]}, params: dim={args.dim} walk_length={args.walk_length} "
        f"num_walks={args.num_walks} window={args.window} epochs={args.epochs} p={args.p} "
        f"q={args.q} deterministic={not args.nondeterministic} workers={args.workers}"
    )
    if not args.no_reference:
        if REFERENCE.exists():
            bench(f"reference catalog ({REFERENCE.name})", reference_records(REFERENCE), args)
        else:
            print(f"\n== reference catalog: skipped, {REFERENCE} is absent")
    if not args.no_synthetic:
        t0 = time.perf_counter()
        records = synthetic_records(args.songs, args.anime)
        print(f"\n(synthetic records generated in {time.perf_counter() - t0:.1f} s)")
        bench(f"synthetic catalog ({args.songs} songs, {args.anime} anime)", records, args)


if __name__ == "__main__":
    main()
