"""The lists model's pure parts: EASE by hand, storage, cleaning bad rows, the sanity check."""

import numpy as np
import pandas as pd
import pytest

from animusic_assets.core import lists_model as lm
from animusic_assets.core.lists_data import (
    clean_lists,
    drop_held_out,
    positive_pairs,
    read_lists_file,
    user_key,
)
from animusic_assets.core.lists_quality import franchise_pairs, model_problems, sequel_share


def pairs_of(rows):
    return pd.DataFrame([(user_key(u), a) for u, a in rows], columns=["user_key", "mal_id"])


def test_ease_on_two_anime_matches_the_hand_computed_ridge_weights():
    # u1 lists anime 10 and 20, u2 only 10: G = [[2, 1], [1, 1]]; with λ = 1,
    # P = (G + I)^-1 = 1/5 [[2, -1], [-1, 3]], B[0,1] = -P01/P11 = 1/3, B[1,0] = -P10/P00 = 1/2
    # (the ridge regressions of one anime's column on the other: 1/(2+1) and 1/(1+1))
    model = lm.train_lists_model(
        pairs_of([("u1", 10), ("u1", 20), ("u2", 10)]), l2=1.0, min_anime_users=1
    )
    assert model.anime_ids.tolist() == [10, 20]
    assert model.weights is not None and model.weights.dtype == np.float32
    np.testing.assert_allclose(model.weights, [[0, 1 / 3], [1 / 2, 0]], rtol=1e-5)
    assert model.params["storage"] == "dense" and model.params["users"] == 2
    # a user who liked anime 10 scores 20 with B[0, 1]
    np.testing.assert_allclose(lm.anime_scores(model, np.array([0])), [0, 1 / 3], rtol=1e-5)


def test_rare_anime_are_set_aside_and_duplicates_count_once():
    rows = [(f"u{i}", 1) for i in range(4)] + [(f"u{i}", 2) for i in range(3)] + [("u0", 3)]
    pairs = pd.concat([pairs_of(rows), pairs_of([("u0", 1)])])  # a duplicate pair
    matrix, anime, set_aside = lm.interaction_matrix(pairs, min_anime_users=2, max_anime=10)
    assert anime.tolist() == [1, 2] and set_aside == 1
    assert matrix.sum() == 7 and matrix.max() == 1
    _, anime, set_aside = lm.interaction_matrix(pairs, min_anime_users=1, max_anime=1)
    assert anime.tolist() == [1] and set_aside == 2  # the most-listed anime is kept


def random_pairs(n_users=60, n_anime=12, seed=0):
    rng = np.random.default_rng(seed)
    rows = [
        (f"u{u}", a) for u in range(n_users) for a in range(1, n_anime + 1) if rng.random() < 0.4
    ]
    return pairs_of(rows)


def test_above_the_dense_limit_each_row_keeps_its_top_k_weights():
    pairs = random_pairs()
    dense = lm.train_lists_model(pairs, l2=10.0, min_anime_users=1)
    sparse = lm.train_lists_model(pairs, l2=10.0, min_anime_users=1, dense_max_anime=5, top_k=4)
    assert sparse.weights is None and sparse.params["storage"] == "top_k"
    assert sparse.knn_rows.shape == (12, 4) and sparse.knn_weights.dtype == np.float32
    for i in range(12):
        expected = np.sort(dense.weights[i])[::-1][:4]
        np.testing.assert_allclose(sparse.knn_weights[i], expected, rtol=1e-6)
        np.testing.assert_allclose(dense.weights[i, sparse.knn_rows[i]], sparse.knn_weights[i])
    scores = lm.anime_scores(sparse, np.array([0, 3]))
    top = np.argsort(-scores)[:2]
    assert set(top) <= set(sparse.knn_rows[0]) | set(sparse.knn_rows[3])


def test_bad_rows_are_set_aside_and_counted_never_raised():
    raw = pd.DataFrame(
        {
            "user_id": ["a", "a", "a", "b", "b", "", "c", "c", "c"],
            "mal_id": ["1", "1", "2", "3", "abc", "1", "999", "2", "1.5"],
            "rating": ["9", "8", "11", "-1", "7", "9", "9", "", "8"],
            "status": ["completed"] * 9,
            "source": ["t"] * 9,
        }
    )
    clean, set_aside = clean_lists(raw, known_anime=[1, 2, 3])
    assert set_aside == {
        "duplicate": 1,
        "rating_out_of_range": 1,
        "bad_mal_id": 2,
        "missing_user": 1,
        "unknown_anime": 1,
    }
    assert len(clean) + sum(set_aside.values()) == len(raw)
    assert sorted(clean["mal_id"].tolist()) == [1, 2, 3]
    assert clean["rating"].tolist().count(-1.0) == 2  # -1 and empty: listed, unscored
    assert not clean["user_key"].isin(["a", "b", "c"]).any()  # pseudonymous keys only


def test_empty_and_headerless_files_give_no_rows(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    rows, set_aside = read_lists_file(empty)
    assert rows.empty and set_aside == {"empty_or_unreadable_file": 1}
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    rows, set_aside = read_lists_file(wrong)
    assert rows.empty and set_aside == {"missing_columns": 1}
    header_only = tmp_path / "header.csv"
    header_only.write_text("user_id,mal_id,rating,status,source\n")
    rows, _ = read_lists_file(header_only)
    assert clean_lists(rows)[0].empty


def test_positives_are_high_ratings_and_finished_unscored_entries():
    lists = pd.DataFrame(
        {
            "user_key": ["k"] * 5,
            "mal_id": [1, 2, 3, 4, 5],
            "rating": [8.0, 7.0, -1.0, -1.0, -1.0],
            "status": ["completed", "completed", "completed", "dropped", "imported"],
            "source": ["t"] * 5,
        }
    )
    assert positive_pairs(lists)["mal_id"].tolist() == [1, 3, 5]
    assert positive_pairs(lists, min_rating=7)["mal_id"].tolist() == [1, 2, 3, 5]


def test_held_out_pairs_are_dropped_for_their_user_only():
    pairs = pairs_of([("u1", 1), ("u1", 2), ("u2", 2)])
    kept, dropped = drop_held_out(pairs, [("u1", [2]), ("nobody", [1])])
    assert dropped == 1
    assert set(map(tuple, kept.to_numpy().tolist())) == {(user_key("u1"), 1), (user_key("u2"), 2)}


def test_the_sanity_check_finds_sequels_and_broken_weights():
    anime = pd.DataFrame(
        {
            "anime_id": [10, 11, 20, 21, 30],
            "anime_title": [
                "Haikyuu!!",
                "Haikyuu!! Second Season",
                "Mob Psycho 100",
                "Mob Psycho 100 II",
                "Other",
            ],
        }
    )
    pairs = franchise_pairs(anime)
    assert sorted(pairs) == [(10, 11), (20, 21)]
    weights = np.full((5, 5), 0.1, np.float32)
    weights[0, 1] = weights[2, 3] = 1.0
    np.fill_diagonal(weights, 0)
    model = lm.ListsModel(np.array([10, 11, 20, 21, 30]), weights=weights)
    assert sequel_share(model, pairs, k=1) == (1.0, 2)
    shuffled = lm.ListsModel(np.array([10, 30, 20, 11, 21]), weights=weights)
    assert sequel_share(shuffled, pairs, k=1)[0] == 0.0
    assert model_problems(model) == []
    weights[1, 2] = np.nan
    assert model_problems(model) == ["NaN or inf weights"]


def test_l2_must_be_positive():
    with pytest.raises(ValueError):
        lm.ease_weights(np.eye(2, dtype=np.float32), 0.0)
