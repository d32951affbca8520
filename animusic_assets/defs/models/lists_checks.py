"""Blocking check on the lists model: finite, well-shaped, and sequels rank near prequels."""

import dagster as dg
import pandas as pd

from animusic_assets.automation import check_with_asset
from animusic_assets.core.lists_model import ListsModel
from animusic_assets.core.lists_quality import (
    MIN_SEQUEL_SHARE,
    SEQUEL_TOP_K,
    franchise_pairs,
    model_problems,
    sequel_share,
)
from animusic_assets.defs.models.lists import lists_model as lists_model_asset


@dg.asset_check(
    asset=lists_model_asset,
    blocking=True,
    automation_condition=check_with_asset(),
    additional_ins={"catalog": dg.AssetIn("catalog")},
    description="Finite float32 weights of the right shape; in most franchises of "
    "the catalog the later anime is in the top-k of the first's row.",
)
def lists_model_valid(lists_model: ListsModel, catalog: pd.DataFrame) -> dg.AssetCheckResult:
    if not lists_model.n_anime:  # left out of the bundle on purpose; publishing goes on
        return dg.AssetCheckResult(
            passed=True, metadata={"left_out": lists_model.params.get("left_out", "")}
        )
    problems = model_problems(lists_model)
    share, scored = sequel_share(lists_model, franchise_pairs(catalog), SEQUEL_TOP_K)
    if scored and share < MIN_SEQUEL_SHARE:
        problems.append(
            f"only {share:.0%} of {scored} sequels in their prequel's top "
            f"{SEQUEL_TOP_K} (< {MIN_SEQUEL_SHARE:.0%})"
        )
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "problems": problems or ["none"],
            "sequel_share": round(share, 3),
            "franchise_pairs_scored": scored,
            "anime": lists_model.n_anime,
        },
    )
