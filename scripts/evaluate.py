#!/usr/bin/env python3
"""Build every model on a catalog CSV and evaluate them on user lists, through the asset graph.

    .venv/bin/python scripts/evaluate.py                       # reference catalog + dev lists
    .venv/bin/python scripts/evaluate.py --tfidf-ngram 2 --no-sublinear
    .venv/bin/python scripts/evaluate.py --only tfidf_model    # skip the transformer models
    .venv/bin/python scripts/evaluate.py --train-lists ../shared/data/user_lists_dev.csv

``--train-lists``: the anime lists the collaborative ``lists`` model learns from (none: the
model is left out); ``--user-lists``: the users it is evaluated on. They may be the same file:
every evaluation user's held-out anime (tuning and report halves) are dropped from training
(``lists_data.drop_held_out``), so no reported hit was ever seen in training.

It materialises the same assets `make run` does (ANIMUSIC_MODE=csv), into a temporary bundle
store, and prints the offline evaluation's tables. Reads ../shared; exits 0 with a message
when it is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", default=str(SHARED / "reference_catalog.csv"))
    parser.add_argument("--user-lists", default=str(SHARED / "user_lists_dev.csv"))
    parser.add_argument(
        "--train-lists", default="", help="lists CSV the lists model learns from (default: none)"
    )
    parser.add_argument("--tfidf-ngram", type=int, default=None)
    parser.add_argument("--no-sublinear", action="store_true")
    parser.add_argument("--loop-users", type=int, default=150)
    parser.add_argument("--report-users", type=int, default=1200)
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="ASSET.KEY=VALUE",
        help="asset config, e.g. node2vec_model.window=5 (value parsed as JSON)",
    )
    parser.add_argument(
        "--html",
        default=str(ROOT / ".data" / "reports" / "evaluation.html"),
        help="where to keep the HTML report ('' to drop it)",
    )
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        help="asset names to leave out (e.g. mpnet_model minilm_model)",
    )
    args = parser.parse_args()
    if not Path(args.catalog).is_file():
        print(f"skipped: {args.catalog} is absent")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import dagster as dg

    from animusic_assets.build_selection import build_assets_and_checks
    from animusic_assets.resources import AnimusicCsvSource, BundleStoreResource, UserListsResource
    from animusic_assets.resources.anime_lists import AnimeListsResource
    from animusic_assets.resources.embedder import EmbeddingCacheResource

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        build = build_assets_and_checks()
        checks = [a for a in build if isinstance(a, dg.AssetChecksDefinition)]
        assets = [
            a
            for a in build
            if not isinstance(a, dg.AssetChecksDefinition)
            and not (set(k.to_user_string() for k in a.keys) & set(args.skip))
        ]
        run_config = {
            "ops": {
                "offline_evaluation": {
                    "config": {
                        "reports_dir": str(Path(tmp) / "reports"),
                        "loop_users": args.loop_users,
                        "max_report_users": args.report_users,
                    }
                }
            }
        }
        tfidf = {}
        if args.tfidf_ngram:
            tfidf["max_ngram"] = args.tfidf_ngram
        if args.no_sublinear:
            tfidf["sublinear_tf"] = False
        if tfidf:
            run_config["ops"]["tfidf_model"] = {"config": tfidf}
        for assignment in args.set:
            target, _, raw = assignment.partition("=")
            asset, _, key = target.partition(".")
            if not (asset and key and raw):
                parser.error(f"--set expects ASSET.KEY=VALUE, got {assignment!r}")
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                value = raw
            run_config["ops"].setdefault(asset, {"config": {}})["config"][key] = value
        result = dg.materialize(
            assets + checks,
            resources={
                "embedding_cache": EmbeddingCacheResource(),
                "anime_source": AnimusicCsvSource(path=args.catalog),
                "bundle_store": BundleStoreResource(root=str(Path(tmp) / "bundles")),
                "user_lists": UserListsResource(path=args.user_lists),
                "anime_lists_source": AnimeListsResource(public_lists_path=args.train_lists),
            },
            run_config=run_config,
            raise_on_error=True,
        )
        meta = result.asset_materializations_for_node("offline_evaluation")[0].metadata
        publish = result.asset_materializations_for_node("model_bundle")[0].metadata
        if args.html and "html_report" in meta:
            Path(args.html).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(str(meta["html_report"].value), args.html)
        lists = result.asset_materializations_for_node("lists_model")[0].metadata
    print(
        f"catalog {args.catalog}; {meta['users'].value} report users ({meta['user_lists'].value})"
    )
    print(f"hybrid weights (tuned on the other half): {publish['hybrid_weights'].value}\n")
    print("lists model: " + ", ".join(f"{k} {v.value}" for k, v in lists.items()))
    print(meta["ranking"].value, "\n")
    ratios = meta["ndcg_vs_popular"].value if "ndcg_vs_popular" in meta else None
    if isinstance(ratios, dict) and ratios:
        print("NDCG@10 / popular: " + ", ".join(f"{m} {r:.2f}x" for m, r in ratios.items()), "\n")
    print(meta["like_rate"].value, "\n")
    print(meta["verdict"].value)
    if "answers" in meta:
        print(f"\n{meta['answers'].value}")
    if args.html and "html_report" in meta:
        print(f"\nHTML report: {Path(args.html).resolve().as_uri()}")
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
