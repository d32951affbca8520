"""Publish every model in one versioned bundle and flip CURRENT (the API picks it up)."""

import dagster as dg
import numpy as np
import pandas as pd

from animusic_assets.automation import rebuild_after_upstream
from animusic_assets.core.bundle_inputs import bundle_inputs_hash
from animusic_assets.core.bundle_songs import bundle_rows, bundle_songs
from animusic_assets.core.catalog import catalog_hash
from animusic_assets.core.evaluation.hybrid_tuning import tune_hybrid
from animusic_assets.core.evaluation.split import split_users, tuning_and_report_halves
from animusic_assets.core.lists_model import ListsModel
from animusic_assets.core.query_aids import (
    COARSE_DIMS,
    NEIGHBOURS,
    NEIGHBOURS_MAX_SONGS,
    query_aids,
)
from animusic_assets.core.tfidf import TfidfModel
from animusic_assets.core.vectors import SongVectors
from animusic_assets.resources import BundleStoreResource, UserListsResource
from animusic_serving.bundle_builder import BundleBuilder
from animusic_serving.recommend.scorers import DEFAULT_HYBRID_WEIGHTS


class PublishConfig(dg.Config):
    split_seed: int = 0
    max_tuning_users: int = 600
    # neighbour lists for the nearest-profile models (animusic_serving/recommend/neighbours.py):
    # this many per song, while the catalogue has at most neighbours_max_songs songs (the lists
    # cost a songs x songs product at publish; above it serving scores the profile directly)
    neighbours: int = NEIGHBOURS
    neighbours_max_songs: int = NEIGHBOURS_MAX_SONGS
    # above neighbours_max_songs: dense rows projected onto this many principal directions,
    # so the shortlist query reads a fraction of the vectors (recommend/coarse.py); 0 = none
    coarse_dims: int = COARSE_DIMS


@dg.asset(
    group_name="publish",
    kinds={"numpy", "parquet"},
    pool="bundle_publish",
    automation_condition=rebuild_after_upstream(),
    description="Tune the hybrid, write a complete new bundle version (songs + every "
    "model + neighbour lists), verify it and flip CURRENT; a no-op when the "
    "current bundle was built from the same inputs.",
)
def model_bundle(
    context: dg.AssetExecutionContext,
    config: PublishConfig,
    bundle_store: BundleStoreResource,
    user_lists: UserListsResource,
    catalog: pd.DataFrame,
    tfidf_model: TfidfModel,
    popularity_model: np.ndarray,
    node2vec_model: SongVectors,
    minilm_model: SongVectors,
    mpnet_model: SongVectors,
    lists_model: ListsModel,
) -> dg.MaterializeResult:
    rows = bundle_rows(catalog, popularity_model)
    lists, lists_source = user_lists.load(catalog)
    dense = {"minilm": minilm_model, "mpnet": mpnet_model, "node2vec": node2vec_model}
    inputs_hash = bundle_inputs_hash(
        catalog_hash(catalog),
        {
            "rows": rows,
            "popularity": popularity_model,
            "user_lists": lists,
            "publish_config": config.model_dump(),
            "tfidf": tfidf_model.matrix,
            "tfidf_vocabulary": tfidf_model.vocabulary,
            "tfidf_idf": tfidf_model.idf,
            "tfidf_params": tfidf_model.params,
            **{name: vectors.matrix for name, vectors in dense.items()},
            **{f"{name}_params": vectors.params for name, vectors in dense.items()},
            "lists_anime": lists_model.anime_ids,
            "lists_params": lists_model.params,
            "lists_weights": lists_model.weights
            if lists_model.weights is not None
            else lists_model.knn_weights,
        },
    )

    def build() -> tuple[BundleBuilder, str, dict]:
        builder = BundleBuilder(bundle_songs(catalog.iloc[rows]))
        knn, coarse = _query_aids(config, tfidf_model.params, len(rows))
        builder.add_tfidf(
            tfidf_model.matrix[rows],
            tfidf_model.vocabulary,
            tfidf_model.idf,
            params=tfidf_model.params,
            neighbours=knn,
        )
        for name, vectors in dense.items():
            knn, coarse = _query_aids(config, vectors.params, len(rows))
            builder.add_dense(
                name, vectors.matrix[rows], params=vectors.params, neighbours=knn, coarse=coarse
            )
        builder.add_scores("popular", popularity_model[rows], params={"kind": "popularity"})
        builder.add_model("random", params={"kind": "uniform over candidates"})
        left_out = _add_lists(builder, lists_model)
        hybrid = _tuned_hybrid(context, builder, lists, lists_source, config)
        builder.add_model("hybrid", kind="hybrid", params=hybrid)
        return builder, catalog_hash(catalog), {"left_out": left_out} if left_out else {}

    version, published = bundle_store.publish_unless_current(inputs_hash, build)
    bundle = bundle_store.load(version)
    if published:
        context.log.info("published bundle %s with %d songs", version, bundle.n_songs)
    else:
        context.log.info("bundle %s was built from the same inputs: nothing published", version)
    return dg.MaterializeResult(
        metadata={
            "version": version,
            "published": published,
            "songs": bundle.n_songs,
            "models": sorted(bundle.model_names),
            "inputs_hash": inputs_hash,
            "hybrid_weights": bundle.manifest["models"]["hybrid"]["params"]["weights"],
            "store": bundle_store.root,
            "left_out": bundle.manifest.get("left_out") or {"none": ""},
        },
    )


def _add_lists(builder: BundleBuilder, model: ListsModel) -> dict[str, str]:
    """The lists model's arrays (float32 weights, no user rows), or why it is left out."""
    if not model.n_anime:
        return {"lists": model.params.get("left_out", "no lists model")}
    params = {k: v for k, v in model.params.items() if k != "l2_trials"}
    if model.weights is not None:
        builder.add_anime_model("lists", model.anime_ids, weights=model.weights, params=params)
    else:
        assert model.knn_rows is not None and model.knn_weights is not None
        builder.add_anime_model(
            "lists", model.anime_ids, knn=(model.knn_rows, model.knn_weights), params=params
        )
    return {}


def _query_aids(config: PublishConfig, params: dict, n_songs: int) -> tuple[int, int]:
    return query_aids(
        params,
        n_songs,
        neighbours=config.neighbours,
        max_songs=config.neighbours_max_songs,
        coarse_dims=config.coarse_dims,
    )


def _tuned_hybrid(
    context: dg.AssetExecutionContext,
    builder: BundleBuilder,
    lists: pd.DataFrame,
    source: str,
    config: PublishConfig,
) -> dict:
    """Hybrid weights chosen on the tuning half of the users (the evaluation reports on the
    other half), with the default weights when there is nobody to tune on."""
    candidate = builder.as_bundle()
    splits = split_users(lists, candidate.songs["anime_id"].unique(), seed=config.split_seed)
    tuning, _ = tuning_and_report_halves(splits, seed=config.split_seed)
    tuning = tuning[: config.max_tuning_users]
    if not tuning:
        context.log.warning("no users to tune the hybrid on (%s): default weights", source)
        return {"weights": DEFAULT_HYBRID_WEIGHTS, "tuned_on": f"nobody ({source})"}
    weights, trials = tune_hybrid(candidate, tuning)
    best = max(t["NDCG@10"] for t in trials)
    context.log.info(
        "hybrid weights %s: NDCG@10 %.4f on %d tuning users", weights, best, len(tuning)
    )
    return {
        "weights": weights,
        "tuned_on": source,
        "tuning_users": len(tuning),
        "tuning_NDCG@10": round(best, 4),
        "split_seed": config.split_seed,
    }
