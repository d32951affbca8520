"""The lists assets through Dagster: gathering (file + API database), training, the check,
and no leakage of an evaluation user's held-out anime into training."""

import dagster as dg
import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text

from animusic_assets.core.evaluation.split import split_users
from animusic_assets.defs.models.lists import anime_lists, lists_model
from animusic_assets.defs.models.lists_checks import lists_model_valid
from animusic_assets.resources import UserListsResource
from animusic_assets.resources.anime_lists import AnimeListsResource

N_FRANCHISES = 10  # anime 2f+1 and its sequel 2f+2
UNIQUE_ANIME = list(range(30, 40))  # in the catalog, listed by one evaluation user only


@dg.asset(name="catalog")
def stub_catalog() -> pd.DataFrame:
    ids = list(range(1, 2 * N_FRANCHISES + 1)) + UNIQUE_ANIME
    titles = [
        f"Show {(a + 1) // 2}" + (" Season 2" if a % 2 == 0 else "")
        for a in range(1, 2 * N_FRANCHISES + 1)
    ] + [f"Solo {a}" for a in UNIQUE_ANIME]
    # genres/studios: what synthetic evaluation users (no evaluation file) are made from
    return pd.DataFrame(
        {
            "anime_id": ids,
            "anime_title": titles,
            "genres": [["Drama"]] * len(ids),
            "studios": [["S"]] * len(ids),
        }
    )


def training_rows(n_users: int = 70, seed: int = 0) -> list[tuple]:
    """Each user watched three franchises, both seasons, and rated them 8-10."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        for f in rng.choice(N_FRANCHISES, size=3, replace=False):
            rows += [
                (f"t{u}", 2 * f + 1, int(rng.integers(8, 11)), "completed", "test"),
                (f"t{u}", 2 * f + 2, int(rng.integers(8, 11)), "completed", "test"),
            ]
    return rows


def write(path, rows) -> str:
    pd.DataFrame(rows, columns=["user_id", "mal_id", "rating", "status", "source"]).to_csv(
        path, index=False
    )
    return str(path)


def materialize(train: str, evaluation: str, database_url: str = "", **config):
    return dg.materialize(
        [stub_catalog, anime_lists, lists_model, lists_model_valid],
        resources={
            "anime_lists_source": AnimeListsResource(
                public_lists_path=train, database_url=database_url
            ),
            "user_lists": UserListsResource(path=evaluation),
        },
        run_config={"ops": {"lists_model": {"config": {"l2_grid": [1.0, 10.0], **config}}}},
    )


def test_lists_are_gathered_cleaned_and_trained_behind_the_check(tmp_path):
    bad = [
        ("t0", 5000, 9, "completed", "test"),  # an id nobody else knows
        ("t0", 1, 12, "completed", "test"),  # out of range
        ("t1", "x", 9, "completed", "test"),
    ]
    rows = training_rows()
    train = write(tmp_path / "train.csv", rows + bad + rows[:2])  # + 2 duplicates
    result = materialize(train, str(tmp_path / "absent.csv"))
    assert result.success
    meta = result.asset_materializations_for_node("anime_lists")[0].metadata
    assert meta["rows_kept"].value == len(rows)
    assert meta["set_aside_by_reason"].value == {
        "unknown_anime": 1,
        "rating_out_of_range": 1,
        "bad_mal_id": 1,
        "duplicate": 2,
    }
    assert meta["users"].value == 70 and meta["anime"].value == 2 * N_FRANCHISES
    model = result.output_for_node("lists_model")
    assert model.n_anime == 2 * N_FRANCHISES and model.weights.dtype == np.float32
    check = result.get_asset_check_evaluations()[0]
    assert check.passed and check.metadata["sequel_share"].value == 1.0
    assert not any(
        isinstance(v, str) and v.startswith("t")
        for v in result.output_for_node("anime_lists")["user_key"]
    )


def test_too_few_lists_leave_the_model_out_with_a_reason(tmp_path):
    train = write(tmp_path / "train.csv", training_rows(n_users=20))
    result = materialize(train, "")
    assert result.success
    model = result.output_for_node("lists_model")
    assert model.n_anime == 0 and "only 20 users" in model.params["left_out"]


def test_an_empty_file_is_no_crash(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    result = materialize(str(tmp_path / "empty.csv"), "")
    assert result.success
    meta = result.asset_materializations_for_node("anime_lists")[0].metadata
    assert meta["set_aside_by_reason"].value == {"empty_or_unreadable_file": 1}


def evaluation_rows() -> list[tuple]:
    rows = [("eU", a, 9, "completed", "eval") for a in UNIQUE_ANIME]
    for j in range(6):  # a few more evaluation users on the shared anime
        rows += [(f"e{j}", a, 9, "completed", "eval") for a in range(1, 7)]
    return rows


def held_out_of_eU(evaluation: str):
    lists = pd.read_csv(evaluation)[["user_id", "mal_id", "rating"]].astype({"rating": float})
    split = next(
        s
        for s in split_users(
            lists.astype({"user_id": str}), np.array(list(range(1, 21)) + UNIQUE_ANIME)
        )
        if s.user_id == "eU"
    )
    return split


def test_held_out_anime_never_reach_training_from_another_file(tmp_path):
    train = write(tmp_path / "train.csv", training_rows())
    evaluation = write(tmp_path / "eval.csv", evaluation_rows())
    result = materialize(train, evaluation, min_anime_users=1)
    assert result.success
    model = result.output_for_node("lists_model")
    split = held_out_of_eU(evaluation)
    assert not np.isin(split.held_out, model.anime_ids).any()  # exist only in the eval file


def test_held_out_anime_never_reach_training_from_the_same_file(tmp_path):
    both = write(tmp_path / "both.csv", training_rows() + evaluation_rows())
    result = materialize(both, both, min_anime_users=1)
    assert result.success
    model = result.output_for_node("lists_model")
    split = held_out_of_eU(both)
    assert len(split.held_out) == 5 and len(split.imported) == 5
    # eU is the only one listing anime 30-39: their imported half is learnt from, their
    # held-out half was dropped before training, so the model does not know those anime
    assert np.isin(split.imported, model.anime_ids).all()
    assert not np.isin(split.held_out, model.anime_ids).any()
    assert model.params["held_out_pairs_dropped"] >= 5


def test_lists_imported_into_the_api_database_are_read(tmp_path, database_url):
    engine = create_engine(
        database_url.replace("postgresql://", "postgresql+psycopg2://", 1)
        if database_url.startswith("postgresql://")
        else database_url
    )
    with engine.begin() as conn:
        for u in range(3):
            user = conn.execute(
                text("INSERT INTO users (username) VALUES (:n) RETURNING id"), {"n": f"listener{u}"}
            ).scalar_one()
            for mal in (1, 2, 7777):
                conn.execute(
                    text("INSERT INTO anime_list_entries (user_id, mal_id) VALUES (:u, :m)"),
                    {"u": user, "m": mal},
                )
    engine.dispose()
    train = write(tmp_path / "train.csv", training_rows())
    result = materialize(train, "", database_url=database_url)
    assert result.success
    meta = result.asset_materializations_for_node("anime_lists")[0].metadata
    assert meta["rows_by_source"].value["api_db"] == 9
    assert meta["imported_lists"].value == "9 imported entries"
    assert meta["users"].value == 73
    lists = result.output_for_node("anime_lists")
    assert not lists["user_key"].str.contains("listener").any()
