"""What the publisher stores to make each model's query fast, by catalogue size."""

from animusic_assets.defs.publish.assets import PublishConfig, _query_aids


def test_lists_up_to_the_limit_coarse_vectors_above_and_nothing_for_the_mean_query():
    config = PublishConfig(neighbours=128, neighbours_max_songs=1_000, coarse_dims=64)
    nearest = {"profile_query": "nearest"}
    assert _query_aids(config, nearest, 1_000) == (128, 0)
    assert _query_aids(config, nearest, 1_001) == (0, 64)
    assert _query_aids(config, {"profile_query": "mean"}, 10) == (0, 0)
    assert _query_aids(config, {}, 10_000) == (0, 0)
