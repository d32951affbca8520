#!/usr/bin/env python3
"""Benchmark of the serving path: ``GET /playlist`` for a user with 100 feedback rows.

    .venv/bin/python scripts/bench_serving.py                 # everything (about 5 minutes)
    .venv/bin/python scripts/bench_serving.py --sizes ref,15k --http-seconds 5

For each catalogue it measures, each in a fresh subprocess (so RSS is the serving process's):

* in-process: the playlist, its explanations and the response items (what the endpoint does
  besides the database), p50 / p99 over ``--requests`` calls, and the process's peak RSS;
* in the same process, the per-candidate baseline the original service ran: a Python loop
  over every candidate computing one numpy dot per item and model, then the best item; the
  ratio baseline / vectorised is reported (at 1M songs the loop is timed on the first 50,000
  candidates and extrapolated per candidate, which the table says);
* over HTTP (``--http-sizes``): the real service (``python -m animusic_serving --workers 2``)
  against a real PostgreSQL (animusic_devtools/local_postgres.py, default durability settings), 64
  users with 100 feedback rows each, signed session tokens, 32 keep-alive connections from
  an asyncio client in this process (it shares the machine's cores with the server).

Catalogues: ``ref`` = ../shared/data/reference_catalog.csv through the offline half's own
code (CSV -> catalog -> documents -> TF-IDF, popularity -> bundle rows) with synthetic dense
vectors beside the real TF-IDF and popularity (the transformer embeddings are not computed
here); ``15k``, ``100k``, ``1m`` = synthetic (songs clustered by anime, 4 songs per anime).
At 1M songs the bundle carries minilm (384-d) and node2vec (64-d) but not mpnet (768-d): see
the README section this prints.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_CSV = ROOT.parent / "shared" / "data" / "reference_catalog.csv"
DIMS = {"minilm": 384, "mpnet": 768, "node2vec": 64}
SIZES = {"15k": 15_000, "100k": 100_000, "1m": 1_000_000}
FEEDBACK_ROWS = 100
LOOP_SAMPLE = 50_000  # candidates timed in the Python-loop baseline above this size


# --------------------------------------------------------------------------- building


def build(kind: str, root: Path) -> dict:
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from animusic_assets.core.query_aids import query_aids
    from animusic_serving.bundle_builder import BundleBuilder

    rng = np.random.default_rng(7)
    if kind == "ref":
        from animusic_assets.core.bundle_songs import bundle_rows, bundle_songs
        from animusic_assets.core.catalog import build_catalog_with_rejects, catalog_hash
        from animusic_assets.core.documents import song_documents
        from animusic_assets.core.popularity import popularity_scores
        from animusic_assets.core.tfidf import fit_tfidf
        from animusic_assets.sources.animusic_csv import read_animusic_csv

        catalog, _ = build_catalog_with_rejects(read_animusic_csv(SHARED_CSV))
        tfidf = fit_tfidf(song_documents(catalog).tolist())
        popularity, _ = popularity_scores(catalog)
        rows = bundle_rows(catalog, popularity)
        songs = bundle_songs(catalog.iloc[rows])
        builder = BundleBuilder(songs)
        builder.add_tfidf(
            tfidf.matrix[rows],
            tfidf.vocabulary,
            tfidf.idf,
            NEAREST,
            neighbours=query_aids(NEAREST, len(rows))[0],
        )
        builder.add_scores("popular", np.asarray(popularity)[rows])
        models = ["minilm", "mpnet", "node2vec"]
        chash = catalog_hash(catalog)
    else:
        import pandas as pd
        import scipy.sparse as sp

        n = SIZES[kind]
        anime = np.arange(n, dtype=np.int64) // 4 + 1
        songs = pd.DataFrame(
            {
                "song_id": [f"s{i}" for i in range(n)],
                "anime_id": anime,
                "relation": np.where(np.arange(n) % 2 == 0, "opening", "ending"),
                "title": [f"Song {i}" for i in range(n)],
                "anime_title": [f"Anime {a}" for a in anime],
                "artists": [[f"Artist {i % (n // 10)}"] for i in range(n)],
                "links": ['[{"platform": "youtube", "url": null, "video_id": null}]'] * n,
                "franchise": [f"f{a // 3}" for a in anime],
            }
        )
        builder = BundleBuilder(songs)
        terms, per_row = 50_000, 12
        cols = rng.integers(0, terms, size=(n, per_row))
        cols[:, 0] = anime % terms  # a term per anime
        matrix = sp.csr_matrix(
            (
                rng.random(n * per_row).astype(np.float32) + 0.1,
                cols.ravel(),
                np.arange(0, n * per_row + 1, per_row),
            ),
            shape=(n, terms),
        )
        matrix.sum_duplicates()
        builder.add_tfidf(
            matrix,
            {f"t{j}": j for j in range(terms)},
            np.ones(terms),
            NEAREST,
            neighbours=query_aids(NEAREST, n)[0],
        )
        builder.add_scores("popular", rng.pareto(1.5, n).astype(np.float32))
        models = ["minilm", "node2vec"] if n >= 1_000_000 else ["minilm", "mpnet", "node2vec"]
        chash = f"synthetic-{kind}"
        add_synthetic_lists(builder, np.unique(anime), rng)
    n = builder.n_songs
    anime_codes = pd_codes(builder.songs["anime_id"].to_numpy())
    for name in models:
        dim = DIMS[name]
        centres = rng.standard_normal((anime_codes.max() + 1, dim), dtype=np.float32)
        vectors = np.empty((n, dim), dtype=np.float32)
        for start in range(0, n, 200_000):  # chunks: bounded temporaries
            stop = min(n, start + 200_000)
            vectors[start:stop] = centres[anime_codes[start:stop]] + 0.5 * rng.standard_normal(
                (stop - start, dim), dtype=np.float32
            )
        knn, coarse = query_aids(NEAREST, n)
        builder.add_dense(name, vectors, params=NEAREST, neighbours=knn, coarse=coarse)
        del vectors
    builder.add_model("random")
    builder.add_model("hybrid")
    version = builder.publish(root, catalog_hash=chash)
    extra = ["lists"] if "lists" in builder.as_bundle().model_names else []
    return {
        "version": version,
        "n_songs": n,
        "models": [*models, "tfidf", "popular", "random", "hybrid", *extra],
    }


def add_synthetic_lists(builder, anime_ids, rng) -> None:
    """A lists model of the shape the publisher writes (animusic_assets/core/lists_model.py):
    at most MAX_ANIME anime, dense up to DENSE_MAX_ANIME, else each row's TOP_K weights.
    The values are random: serving cost depends on the shape only."""
    import numpy as np

    from animusic_assets.core.lists_model import DENSE_MAX_ANIME, MAX_ANIME, TOP_K

    ids = np.asarray(anime_ids[:MAX_ANIME], dtype=np.int64)
    n = len(ids)
    if n <= DENSE_MAX_ANIME:
        weights = rng.standard_normal((n, n), dtype=np.float32) * 0.01
        np.fill_diagonal(weights, 0.0)
        builder.add_anime_model("lists", ids, weights=weights, params={"synthetic": True})
    else:
        rows = np.stack([rng.choice(n, size=TOP_K, replace=False) for _ in range(n)])
        values = -np.sort(-rng.random((n, TOP_K), dtype=np.float32) * 0.1, axis=1)
        builder.add_anime_model("lists", ids, knn=(rows, values), params={"synthetic": True})


# as the publisher does (defs/publish): every similarity model uses the nearest-profile query,
# with the query aids of animusic_assets/core/query_aids.py at their default settings
NEAREST = {"profile_query": "nearest"}


def pd_codes(values):
    import pandas as pd

    return pd.factorize(values)[0]


# --------------------------------------------------------------------------- in-process


def fake_feedback(bundle, seed: int = 1):
    import numpy as np

    from animusic_serving.recommend import FeedbackRow

    rng = np.random.default_rng(seed)
    rows = rng.choice(bundle.n_songs, size=FEEDBACK_ROWS, replace=False)
    ids = bundle.songs["song_id"]
    return [
        FeedbackRow(
            str(ids.iat[r]),
            liked=bool(rng.random() < 0.2),
            watch_time=float(rng.integers(0, 200)),
            total_video_time=200.0,
        )
        for r in rows
    ]


def measure(root: Path, requests: int) -> dict:
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from threadpoolctl import threadpool_limits

    from animusic_serving.api.song_view import describe
    from animusic_serving.bundle import load_bundle
    from animusic_serving.recommend import build_profile, plan_playlist
    from animusic_serving.recommend.explain import explain_playlist
    from animusic_serving.recommend.playlist import candidate_mask, playlist_models

    threadpool_limits(1)  # as in each served worker (python -m animusic_serving --workers 2)
    t = time.perf_counter()
    bundle = load_bundle(root)
    load_s = time.perf_counter() - t
    feedback = fake_feedback(bundle)

    all_models = playlist_models(bundle)
    without_lists = [m for m in all_models if m != "lists"]
    # an imported list as well as feedback: the lists slot reads both
    listed = bundle.songs["anime_id"].drop_duplicates().iloc[::97].head(30).tolist()

    def one(seed, models=None):  # what GET /playlist computes: items, why each is there, view
        planned = plan_playlist(
            bundle,
            feedback,
            listed,
            username="bench",
            rng=np.random.default_rng(seed),
            models=models,
        )
        why = explain_playlist(bundle, planned.profile, planned.items, planned.cache)
        return [describe(bundle, i, explanation=w) for i, w in zip(planned.items, why, strict=True)]

    for seed in range(3):
        one(seed)  # warm-up: page in the mapped matrices, derived per-bundle values
        one(seed, without_lists)
    times, times_without = [], []
    for seed in range(requests):  # interleaved: both variants see the same machine load
        t = time.perf_counter()
        one(seed)
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        one(seed, without_lists)
        times_without.append(time.perf_counter() - t)
    times_ms = np.asarray(times) * 1000
    without_ms = np.asarray(times_without) * 1000

    # the original's per-candidate loop, same profile and candidates
    profile = build_profile(
        feedback,
        bundle.row_of,
        bundle.songs["anime_id"].to_numpy(),
        popularity=bundle.scores.get("popular"),
    )
    candidates = np.flatnonzero(candidate_mask(bundle.songs["anime_id"].to_numpy(), profile))
    sample = candidates[:LOOP_SAMPLE]
    models = playlist_models(bundle)
    t = time.perf_counter()
    loop_playlist(bundle, profile.positive_rows, sample, models)
    loop_s = (time.perf_counter() - t) * len(candidates) / len(sample)

    status = Path("/proc/self/status").read_text()
    rss = {
        k: int(line.split()[1]) // 1024
        for line in status.splitlines()
        for k in ("VmRSS", "VmHWM")
        if line.startswith(k + ":")
    }
    return {
        "n_songs": bundle.n_songs,
        "models": models,
        "load_s": round(load_s, 2),
        "p50_ms": round(float(np.percentile(times_ms, 50)), 2),
        "p99_ms": round(float(np.percentile(times_ms, 99)), 2),
        "lists_slot": "lists" in all_models,
        "p99_without_lists_ms": round(float(np.percentile(without_ms, 99)), 2),
        "p50_without_lists_ms": round(float(np.percentile(without_ms, 50)), 2),
        "requests": requests,
        "loop_ms": round(loop_s * 1000, 1),
        "loop_extrapolated": len(sample) < len(candidates),
        "ratio": round(loop_s * 1000 / float(np.percentile(times_ms, 50)), 1),
        "rss_mb": rss.get("VmRSS"),
        "peak_rss_mb": rss.get("VmHWM"),
    }


def loop_playlist(bundle, positive_rows, candidates, models):
    """The original service's way: a score per candidate, one Python iteration each."""
    import random

    import numpy as np

    tfidf = bundle.tfidf
    centroids = {
        name: np.asarray(bundle.dense[name][positive_rows]).mean(axis=0) for name in bundle.dense
    }
    if tfidf is not None:
        tf_centroid = np.asarray(tfidf[positive_rows].mean(axis=0)).ravel()
        data, indices, indptr = tfidf.data, tfidf.indices, tfidf.indptr
    popular = bundle.scores.get("popular")
    picks = {}
    for model in models:
        best, best_score = None, -np.inf
        for row in candidates:
            if model in centroids:
                value = float(np.dot(bundle.dense[model][row], centroids[model]))
            elif model == "tfidf":
                s, e = indptr[row], indptr[row + 1]
                value = float(np.dot(data[s:e], tf_centroid[indices[s:e]]))
            elif model == "popular":
                value = float(popular[row])
            elif model == "hybrid":
                value = sum(float(np.dot(bundle.dense[m][row], c)) for m, c in centroids.items())
            else:
                value = random.random()
            if value > best_score:
                best, best_score = row, value
        picks[model] = best
    return picks


# --------------------------------------------------------------------------- over HTTP


def http_bench(root: Path, seconds: float, connections: int, workdir: Path) -> dict:
    import httpx
    import numpy as np
    from sqlalchemy import create_engine, text

    sys.path.insert(0, str(ROOT))
    from animusic_devtools import local_postgres as lp
    from animusic_devtools.demo.probes import free_port
    from animusic_serving.api.auth import SessionSigner
    from animusic_serving.bundle import load_bundle
    from animusic_serving.db.migrate import upgrade

    data_dir = workdir / "pg"
    workdir.chmod(0o755)
    pg = lp.start(data_dir, free_port())
    server = None
    try:
        url = pg.create_database("bench")
        upgrade(url)
        bundle = load_bundle(root)
        users = [f"bench{u}" for u in range(64)]
        engine = create_engine(url)
        with engine.begin() as conn:
            for u, name in enumerate(users):
                uid = conn.execute(
                    text("INSERT INTO users (username) VALUES (:u) RETURNING id"), {"u": name}
                ).scalar_one()
                rows = [
                    {
                        "uid": uid,
                        "song": f.song_id,
                        "liked": f.liked,
                        "w": f.watch_time,
                        "t": f.total_video_time,
                    }
                    for f in fake_feedback(bundle, seed=u)
                ]
                conn.execute(
                    text(
                        "INSERT INTO feedback (user_id, song_id, recommended_by, "
                        "watch_time, total_video_time, liked) VALUES (:uid, :song, "
                        "'tfidf', :w, :t, :liked)"
                    ),
                    rows,
                )
        engine.dispose()
        del bundle
        secret = "bench-secret-" + "z" * 32
        signer = SessionSigner(secret, 3600)
        tokens = [signer.issue(name, None)[0] for name in users]
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANIMUSIC_")}
        env.update(
            {
                "ANIMUSIC_DATABASE_URL": url,
                "ANIMUSIC_BUNDLE_DIR": str(root),
                "ANIMUSIC_SESSION_SECRET": secret,
            }
        )
        log = open(workdir / "api.log", "wb")  # noqa: SIM115 (the server writes to it)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "animusic_serving",
                "--port",
                str(port),
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                raise RuntimeError(f"server exited; see {workdir / 'api.log'}")
            time.sleep(0.2)
        # warm both workers (first requests page the bundle in)
        asyncio.run(load(port, tokens, 2.0, connections))
        api_before, pg_before = tree_cpu(server.pid), tree_cpu(pg.pid)
        client_before = os.times()
        done, errors, latencies = asyncio.run(load(port, tokens, seconds, connections))
        client_after = os.times()
        api_cpu, pg_cpu = tree_cpu(server.pid) - api_before, tree_cpu(pg.pid) - pg_before
        client_cpu = (
            client_after.user + client_after.system - client_before.user - client_before.system
        )
        lat = np.asarray(latencies) * 1000
        requests_done = max(1, done + errors)
        return {
            "req_per_s": round(done / seconds, 1),
            "errors": errors,
            "http_p50_ms": round(float(np.percentile(lat, 50)), 1),
            "http_p99_ms": round(float(np.percentile(lat, 99)), 1),
            "connections": connections,
            "seconds": seconds,
            # CPU per request: robust to other load on the machine, unlike req/s
            "api_cpu_ms_per_req": round(api_cpu * 1000 / requests_done, 2),
            "pg_cpu_ms_per_req": round(pg_cpu * 1000 / requests_done, 2),
            "client_cpu_ms_per_req": round(client_cpu * 1000 / requests_done, 2),
            "machine_loadavg": os.getloadavg()[0],
        }
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        lp.stop(data_dir)


def tree_cpu(root_pid: int) -> float:
    """CPU seconds (user + system) used so far by ``root_pid`` and its live descendants."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tick = os.sysconf("SC_CLK_TCK")
    total, frontier = 0, [root_pid]
    while frontier:
        pid = frontier.pop()
        if pid in stats:
            total += stats[pid][1]
            frontier += [child for child, (ppid, _) in stats.items() if ppid == pid]
    return total / tick


async def load(
    port: int, tokens: list[str], seconds: float, connections: int, path: str = "/playlist"
):
    """Keep-alive HTTP/1.1 GETs on raw sockets (a light client: the server gets the CPU)."""
    done = errors = 0
    latencies: list[float] = []
    stop_at = time.monotonic() + seconds

    async def worker(i: int):
        nonlocal done, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {tokens[i % len(tokens)]}\r\n\r\n"
        ).encode()
        try:
            while time.monotonic() < stop_at:
                t = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t)
                if status == 200:
                    done += 1
                else:
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    return done, errors, latencies


# --------------------------------------------------------------------------- driver


def run_child(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT
    )
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="ref,15k,100k,1m")
    parser.add_argument("--http-sizes", default="ref,15k,100k")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--http-seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where bundles are built (default: a temp dir, removed after)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--_build", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--_measure", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--_http", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._build:
        print(json.dumps(build(args._build[0], Path(args._build[1]))))
        return 0
    if args._measure:
        print(json.dumps(measure(Path(args._measure[0]), int(args._measure[1]))))
        return 0
    if args._http:
        root, seconds, connections, workdir = args._http
        print(json.dumps(http_bench(Path(root), float(seconds), int(connections), Path(workdir))))
        return 0

    keep = args.workdir is not None
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="animusic-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)
    results = []
    try:
        for kind in args.sizes.split(","):
            if kind == "ref" and not SHARED_CSV.is_file():
                print(f"skip ref: {SHARED_CSV} is absent", file=sys.stderr)
                continue
            root = workdir / f"bundle-{kind}"
            t = time.monotonic()
            built = run_child(["--_build", kind, str(root)])
            build_s = time.monotonic() - t
            requests = args.requests if built["n_songs"] < 500_000 else max(20, args.requests // 4)
            result = {
                "catalogue": kind,
                "build_s": round(build_s, 1),
                **built,
                **run_child(["--_measure", str(root), str(requests)]),
            }
            if kind in args.http_sizes.split(","):
                http_dir = workdir / f"http-{kind}"
                http_dir.mkdir(exist_ok=True)
                result.update(
                    run_child(
                        [
                            "--_http",
                            str(root),
                            str(args.http_seconds),
                            str(args.connections),
                            str(http_dir),
                        ]
                    )
                )
            results.append(result)
            print(json.dumps(result), file=sys.stderr, flush=True)
            if not keep:
                shutil.rmtree(root, ignore_errors=True)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(table(results))
    print()
    print(lists_table(results))
    return 0


def lists_table(results: list[dict]) -> str:
    """The lists slot's cost: the same requests with and without it, interleaved."""
    lines = [
        "| catalogue | songs | p50 / p99 with lists | p50 / p99 without | p99 difference "
        "| p99 ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        if not r.get("lists_slot"):
            continue
        lines.append(
            f"| {r['catalogue']} | {r['n_songs']:,} | {r['p50_ms']} / {r['p99_ms']} ms "
            f"| {r['p50_without_lists_ms']} / {r['p99_without_lists_ms']} ms | "
            f"{r['p99_ms'] - r['p99_without_lists_ms']:+.2f} ms | "
            f"{r['p99_ms'] / r['p99_without_lists_ms']:.2f} |"
        )
    return "\n".join(lines)


def table(results: list[dict]) -> str:
    lines = [
        "| catalogue | songs | models | in-process p50 / p99 | per-candidate loop | ratio "
        "| peak RSS | HTTP req/s (2 workers) | HTTP p50 / p99 | CPU ms/req: API + Postgres |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        loop = f"{r['loop_ms']:.0f} ms" + (" (extrapolated)" if r["loop_extrapolated"] else "")
        http = f"{r['req_per_s']:.0f} ({r['errors']} errors)" if "req_per_s" in r else "—"
        http_lat = f"{r['http_p50_ms']} / {r['http_p99_ms']} ms" if "req_per_s" in r else "—"
        cpu = f"{r['api_cpu_ms_per_req']} + {r['pg_cpu_ms_per_req']}" if "req_per_s" in r else "—"
        lines.append(
            f"| {r['catalogue']} | {r['n_songs']:,} | {len(r['models'])} | "
            f"{r['p50_ms']} / {r['p99_ms']} ms | {loop} | {r['ratio']:.0f}× | "
            f"{r['peak_rss_mb']:,} MB | {http} | {http_lat} | {cpu} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
