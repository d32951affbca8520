"""The collaborative ``lists`` model: anime lists gathered as data, then EASE on them."""

import time

import dagster as dg
import numpy as np
import pandas as pd

from animusic_assets.automation import rebuild_after_upstream
from animusic_assets.core import lists_model as lm
from animusic_assets.core.evaluation.split import split_users, tuning_and_report_halves
from animusic_assets.core.lists_data import (
    POSITIVE_RATING,
    clean_lists,
    drop_held_out,
    positive_pairs,
)
from animusic_assets.core.lists_tuning import choose_l2
from animusic_assets.resources import UserListsResource
from animusic_assets.resources.anime_lists import AnimeListsResource

API_DB_LISTS = dg.AssetKey(["api_db", "anime_list_entries"])
# an anime id neither the catalog nor this many lists know is set aside as unknown
MIN_LISTS_FOR_UNKNOWN_ANIME = 3


@dg.asset(
    group_name="ingest",
    deps=[API_DB_LISTS],
    kinds={"pandas", "postgres"},
    automation_condition=rebuild_after_upstream(),
    description="Anime lists the lists model learns from: the lists listeners imported "
    "into the API database and a public-lists file, cleaned (bad rows set "
    "aside and counted), with pseudonymous user keys.",
)
def anime_lists(
    context: dg.AssetExecutionContext, anime_lists_source: AnimeListsResource, catalog: pd.DataFrame
) -> dg.MaterializeResult:
    public, set_aside, public_note = anime_lists_source.public_lists()
    imported, imported_note = anime_lists_source.imported_lists()
    raw = pd.concat([public, imported], ignore_index=True)
    known = _known_anime(raw, catalog)
    lists, cleaning = clean_lists(raw, known_anime=known)
    for reason, count in cleaning.items():
        set_aside[reason] = set_aside.get(reason, 0) + count
    context.log.info("anime lists: %s; %s; set aside %s", public_note, imported_note, set_aside)
    return dg.MaterializeResult(
        value=lists,
        metadata={
            "rows_kept": len(lists),
            "rows_set_aside": int(sum(set_aside.values())),
            "set_aside_by_reason": set_aside or {"none": 0},
            "users": int(lists["user_key"].nunique()),
            "anime": int(lists["mal_id"].nunique()),
            "rows_by_source": {str(k): int(v) for k, v in lists["source"].value_counts().items()},
            "public_lists": public_note,
            "imported_lists": imported_note,
        },
    )


def _known_anime(raw: pd.DataFrame, catalog: pd.DataFrame) -> np.ndarray:
    ids = pd.to_numeric(raw["mal_id"], errors="coerce")
    users = raw.assign(mal=ids).dropna(subset=["mal"]).groupby("mal")["user_id"].nunique()
    listed = users[users >= MIN_LISTS_FOR_UNKNOWN_ANIME].index.to_numpy(dtype=np.int64)
    return np.union1d(catalog["anime_id"].to_numpy(dtype=np.int64), listed)


class ListsModelConfig(dg.Config):
    split_seed: int = 0  # the evaluation's: its users' held-out anime never reach training
    min_rating: float = POSITIVE_RATING
    l2_grid: list[float] = list(lm.L2_GRID)
    max_tuning_users: int = 600
    min_users: int = lm.MIN_USERS
    min_anime_users: int = lm.MIN_ANIME_USERS
    max_anime: int = lm.MAX_ANIME
    dense_max_anime: int = lm.DENSE_MAX_ANIME
    top_k: int = lm.TOP_K


@dg.asset(
    group_name="models",
    kinds={"numpy"},
    automation_condition=rebuild_after_upstream(),
    description="EASE anime-to-anime weights from the anime lists; λ chosen on the "
    "evaluation's tuning users; left out (with a reason) when too few lists.",
)
def lists_model(
    context: dg.AssetExecutionContext,
    config: ListsModelConfig,
    user_lists: UserListsResource,
    anime_lists: pd.DataFrame,
    catalog: pd.DataFrame,
) -> dg.MaterializeResult:
    started = time.perf_counter()
    pairs = positive_pairs(anime_lists, config.min_rating)
    evaluation, source = user_lists.load(catalog)
    catalog_anime = catalog["anime_id"].unique()
    splits = split_users(evaluation, catalog_anime, seed=config.split_seed)
    pairs, dropped = drop_held_out(pairs, [(s.user_id, s.held_out) for s in splits])
    users = int(pairs["user_key"].nunique())
    if users < config.min_users:
        reason = f"only {users} users with positive list entries (< {config.min_users})"
        context.log.warning("lists model left out: %s", reason)
        model = lm.ListsModel(np.empty(0, np.int64), params={"left_out": reason})
        return dg.MaterializeResult(value=model, metadata={"left_out": reason, "users": users})
    tuning, _ = tuning_and_report_halves(splits, seed=config.split_seed)
    model, trials = choose_l2(
        pairs,
        tuning[: config.max_tuning_users],
        catalog_anime,
        grid=config.l2_grid,
        min_anime_users=config.min_anime_users,
        max_anime=config.max_anime,
        dense_max_anime=config.dense_max_anime,
        top_k=config.top_k,
    )
    model.params.update(
        min_rating=config.min_rating, held_out_pairs_dropped=dropped, evaluation_lists=source
    )
    return dg.MaterializeResult(
        value=model,
        metadata={
            "anime": model.n_anime,
            "users": model.params["users"],
            "positives": model.params["positives"],
            "l2": model.params["l2"],
            "l2_trials": trials,
            "storage": model.params["storage"],
            "anime_set_aside": model.params["anime_set_aside"],
            "held_out_pairs_dropped": dropped,
            "seconds": round(time.perf_counter() - started, 1),
        },
    )
