"""The blocking checks that stand between a trained model and the published bundle."""

import numpy as np
import scipy.sparse as sp

from animusic_assets.core.vectors import SongVectors
from animusic_assets.defs.models.checks import same_anime_neighbour_share, vectors_problems


def test_vectors_problems_name_each_fault():
    good = SongVectors(np.ones((4, 3), dtype=np.float32), {"dim": 3})
    assert vectors_problems(good, 4, 3) == []
    nan = SongVectors(np.full((4, 3), np.nan, dtype=np.float32))
    assert "NaN or inf values" in vectors_problems(nan, 4, None)
    assert any("not aligned" in p for p in vectors_problems(good, 5, 3))
    assert any("dimension 3, expected 8" in p for p in vectors_problems(good, 4, 8))
    zeros = SongVectors(np.zeros((4, 3), dtype=np.float32))
    assert any("zero rows" in p for p in vectors_problems(zeros, 4, None))
    assert any("float32" in p for p in vectors_problems(SongVectors(np.ones((4, 3))), 4, None))


def test_same_anime_neighbour_share():
    anime = np.array([1, 1, 2, 2, 3])
    points = np.array([[1, 0], [1, 0.1], [0, 1], [0.1, 1], [1, 1]])
    clustered = sp.csr_matrix(points / np.linalg.norm(points, axis=1, keepdims=True))
    assert same_anime_neighbour_share(clustered, anime) == 1.0
    crossed = sp.csr_matrix(np.array([[1.0, 0], [0, 1], [1, 0], [0, 1], [1, 1]]))
    assert same_anime_neighbour_share(crossed, anime) == 0.0


def test_tfidf_asset_records_its_query_and_refuses_an_unknown_one():
    import dagster as dg
    import pandas as pd
    import pytest

    from animusic_assets.defs.models.tfidf import TfidfConfig, tfidf_model

    documents = pd.Series(["cruel angel thesis opening", "fly me to the moon ending"])
    result = tfidf_model(config=TfidfConfig(), song_documents=documents)
    assert result.value.params["profile_query"] == "nearest"
    assert (
        tfidf_model(
            config=TfidfConfig(profile_query="mean"), song_documents=documents
        ).value.params["profile_query"]
        == "mean"
    )
    with pytest.raises(dg.Failure, match="profile_query"):
        tfidf_model(config=TfidfConfig(profile_query="centroid"), song_documents=documents)
