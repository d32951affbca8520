"""Publish every model in one versioned bundle and flip CURRENT (the API picks it up)."""

import dagster as dg
import numpy as np
import pandas as pd

from animusic_assets.core.bundle_songs import bundle_rows, bundle_songs
from animusic_assets.core.catalog import catalog_hash
from animusic_assets.core.tfidf import TfidfModel
from animusic_assets.resources import BundleStoreResource
from animusic_serving.bundle import BundleBuilder


@dg.asset(group_name="publish", kinds={"numpy", "parquet"})
def model_bundle(context: dg.AssetExecutionContext, bundle_store: BundleStoreResource,
                 catalog: pd.DataFrame, tfidf_model: TfidfModel,
                 popularity_model: np.ndarray) -> dg.MaterializeResult:
    rows = bundle_rows(catalog, popularity_model)
    builder = BundleBuilder(bundle_songs(catalog.iloc[rows]))
    builder.add_tfidf(tfidf_model.matrix[rows], tfidf_model.vocabulary, tfidf_model.idf,
                      params=tfidf_model.params)
    builder.add_scores("popular", popularity_model[rows], params={"kind": "popularity"})
    builder.add_model("random", params={"kind": "uniform over candidates"})
    version = bundle_store.publish(builder, catalog_hash=catalog_hash(catalog))
    context.log.info("published bundle %s with %d songs", version, builder.n_songs)
    return dg.MaterializeResult(
        metadata={"version": version, "songs": builder.n_songs,
                  "models": sorted(["tfidf", "popular", "random"]),
                  "store": bundle_store.root},
    )
