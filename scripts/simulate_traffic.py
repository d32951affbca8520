#!/usr/bin/env python3
"""Simulated listeners using the real HTTP API, so the analytics reports have data.

Each listener is a user of the offline evaluation's user model
(``animusic_assets.core.evaluation.split``): their liked anime (rated >= 8) are split, seeded,
into an imported half (uploaded with ``POST /upload_anilist_profile``) and a held-out half.
For every playlist (``GET /playlist``) they like and watch to the end each song whose anime is
held out, and skip the others after 20 % of the video (``POST /feedback``, with the
playlist id and slot). Users come from ``--user-lists`` (``user_id, mal_id, rating`` CSV,
default ``$ANIMUSIC_USER_LISTS``), or, when there is none, seeded synthetic users: each likes
a seeded sample of the anime in the catalog being served (read from the bundle store,
``--bundle-dir``/``$ANIMUSIC_BUNDLE_DIR``).

Bounded: at most ``--users`` listeners x ``--playlists`` playlists, stops after ``--seconds``,
and only talks to 127.0.0.1 / localhost. Auth: in the API's dev mode plain usernames are
enough; with auth on pass session tokens (``--token NAME=TOKEN``, repeatable, or
``--tokens-file`` JSON ``{"name": "token"}``) and those users are simulated.

    python scripts/simulate_traffic.py --api http://127.0.0.1:8000 --users 20 --playlists 8 \
        --seconds 20
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from animusic_assets.core.analytics.origin import RUN_LOG, SIMULATED_PREFIX  # noqa: E402
from animusic_assets.core.evaluation.split import UserSplit, read_user_lists, split_users  # noqa: E402

VIDEO_SECONDS = 200.0
SKIP_SHARE = 0.2
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def catalog_anime(bundle_dir: str) -> np.ndarray | None:
    if not bundle_dir:
        return None
    try:
        from animusic_serving.bundle import load_bundle

        return np.sort(load_bundle(bundle_dir).songs["anime_id"].unique())
    except Exception as exc:  # the bundle is optional with real lists
        print(f"note: no catalog from {bundle_dir}: {exc}", file=sys.stderr)
        return None


def synthetic_splits(
    anime: np.ndarray, n_users: int, seed: int, liked: int = 12
) -> list[UserSplit]:
    splits = []
    for u in range(n_users):
        rng = np.random.default_rng([seed, u])
        pick = rng.choice(anime, size=min(liked, len(anime)), replace=False)
        half = len(pick) // 2
        splits.append(UserSplit(f"sim{seed}_{u}", np.sort(pick[:half]), np.sort(pick[half:])))
    return splits


def choose_users(args, names: list[str]) -> list[UserSplit]:
    anime = catalog_anime(args.bundle_dir)
    splits: list[UserSplit] = []
    if args.user_lists and Path(args.user_lists).is_file():
        args.user_source = f"users' lists from {Path(args.user_lists).name}"
        lists = read_user_lists(args.user_lists)
        universe = anime if anime is not None else lists["mal_id"].unique()
        splits = split_users(lists, universe, seed=args.seed)
        rng = np.random.default_rng(args.seed)
        splits = [splits[i] for i in rng.permutation(len(splits))[: args.users]]
    elif anime is not None and len(anime):
        args.user_source = "seeded synthetic users from the served catalog"
        splits = synthetic_splits(anime, args.users, args.seed)
    if not splits:
        raise SystemExit(
            "no users: give --user-lists (user_id, mal_id, rating CSV) or "
            "--bundle-dir (synthetic users from the served catalog)"
        )
    if names:  # auth on: the token holders are the listeners, with the model users' tastes
        splits = [
            UserSplit(name, s.imported, s.held_out)
            for name, s in zip(names, splits * (len(names) // len(splits) + 1), strict=False)
        ]
    else:
        splits = [
            UserSplit(f"{args.prefix}{s.user_id}".replace(":", "_")[:64], s.imported, s.held_out)
            for s in splits
        ]
    return splits


def simulate(args, tokens: dict[str, str]) -> dict:
    host = urlsplit(args.api).hostname
    if host not in LOCAL_HOSTS:
        raise SystemExit(f"refusing to send traffic to {host}: 127.0.0.1 / localhost only")
    users = choose_users(args, list(tokens))
    args.usernames = [u.user_id for u in users]
    deadline = time.monotonic() + args.seconds
    stats = {"users": 0, "playlists": 0, "feedback": 0, "likes": 0, "errors": 0}
    with httpx.Client(base_url=args.api, timeout=args.timeout) as client:

        def call(method, path, user, **kw):
            headers = {"Authorization": f"Bearer {tokens[user]}"} if user in tokens else {}
            resp = client.request(method, path, headers=headers, **kw)
            if resp.status_code >= 400:
                stats["errors"] += 1
                if args.verbose or stats["errors"] <= 3:
                    print(
                        f"{method} {path} -> {resp.status_code}: {resp.text[:200]}", file=sys.stderr
                    )
                return None
            return resp.json()

        # playlists go round-robin over the users, so a short run still reaches every user
        for u in users:
            if time.monotonic() > deadline:
                break
            ok = call(
                "POST",
                "/upload_anilist_profile",
                u.user_id,
                json={"anilist_username": u.user_id, "mal_ids": [int(a) for a in u.imported]},
            )
            stats["users"] += ok is not None
        for _round in range(args.playlists):
            for u in users:
                if time.monotonic() > deadline:
                    return stats
                held_out = set(int(a) for a in u.held_out)
                body = call("GET", "/playlist", u.user_id, params={"anilist_username": u.user_id})
                if body is None:
                    continue
                stats["playlists"] += 1
                for item in body["items"]:
                    liked = int(item["anime_id"]) in held_out
                    watched = VIDEO_SECONDS if liked else SKIP_SHARE * VIDEO_SECONDS
                    ok = call(
                        "POST",
                        "/feedback",
                        u.user_id,
                        json={
                            "anilist_username": u.user_id,
                            "song_id": item["song_id"],
                            "recommended_by": item["recommended_by"],
                            "watch_time": watched,
                            "total_video_time": VIDEO_SECONDS,
                            "liked": liked,
                            "playlist_id": body["playlist_id"],
                            "position": item["position"],
                        },
                    )
                    if ok is not None:
                        stats["feedback"] += 1
                        stats["likes"] += liked
                if args.pause:
                    time.sleep(args.pause)
    return stats


def default_record() -> str:
    reports = os.environ.get("ANIMUSIC_REPORTS_DIR", "")
    return str(Path(reports) / "analytics" / RUN_LOG) if reports else ""


def record_run(args, stats: dict, started: str) -> None:
    """One JSON line per run: the simulator, its settings and the users it drove."""
    path = Path(args.record)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "simulator": "scripts/simulate_traffic.py",
        "started": started,
        "users": len(args.usernames),
        "playlists": args.playlists,
        "seconds": args.seconds,
        "seed": args.seed,
        "user_source": args.user_source,
        "stats": stats,
        "usernames": args.usernames,
    }
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--api", default="http://127.0.0.1:8000")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--playlists", type=int, default=8, help="playlists per user")
    ap.add_argument("--seconds", type=float, default=30.0, help="stop after this long")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--user-lists", default=os.environ.get("ANIMUSIC_USER_LISTS", ""))
    ap.add_argument("--bundle-dir", default=os.environ.get("ANIMUSIC_BUNDLE_DIR", ""))
    ap.add_argument(
        "--prefix",
        default=SIMULATED_PREFIX,
        help=f"username prefix (dev mode); always starts with {SIMULATED_PREFIX!r}, "
        "the marker the analytics reports use to tell simulated users apart",
    )
    ap.add_argument(
        "--record",
        default=default_record(),
        help=f"append this run's settings and usernames here ({RUN_LOG}, read by "
        "the reports to say the data is simulated); '' to skip",
    )
    ap.add_argument("--token", action="append", default=[], metavar="NAME=TOKEN")
    ap.add_argument("--tokens-file", help='JSON {"username": "session token"}')
    ap.add_argument("--pause", type=float, default=0.0, help="seconds between playlists")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    args.users = max(1, min(args.users, 1000))
    args.playlists = max(1, min(args.playlists, 200))
    tokens = dict(t.split("=", 1) for t in args.token)
    if args.tokens_file:
        tokens.update(json.loads(Path(args.tokens_file).read_text()))
    if not args.prefix.startswith(SIMULATED_PREFIX):
        args.prefix = SIMULATED_PREFIX + args.prefix
    args.user_source, args.usernames = "", []
    t0 = time.monotonic()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    stats = simulate(args, tokens)
    print(json.dumps({**stats, "seconds": round(time.monotonic() - t0, 1)}), flush=True)
    if args.record:
        record_run(args, stats, started)
    return 0 if stats["playlists"] else 1


if __name__ == "__main__":
    sys.exit(main())
