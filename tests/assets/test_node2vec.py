"""node2vec: the typed song graph (core/graph.py), training (core/node2vec.py) and the asset.

Training is the slow part (numba compiles pecanpy's walk kernel for every new walker, a few
seconds each), so the module trains once in a fixture and once through the asset.
"""

from typing import Any

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from animusic_assets.core import node2vec as n2v
from animusic_assets.core.catalog import build_catalog
from animusic_assets.core.graph import EDGE_TYPES, build_song_graph
from animusic_assets.defs.models.node2vec import Node2VecConfig, node2vec_model
from animusic_assets.resources.embedder import EmbeddingCacheResource

PARAMS: dict[str, Any] = dict(dim=16, walk_length=20, num_walks=20, window=4, seed=7)


def _song(title, vocals, creator_id=None, relation="opening", **extra_credits):
    credits = [{"role": "vocals", "name": vocals, "creator_id": creator_id}]
    credits += [
        {"role": role, "name": name, "creator_id": None} for role, name in extra_credits.items()
    ]
    return {"relation": relation, "title": title, "credits": credits, "links": []}


def _anime(mal_id, songs, genres=(), themes=(), studios=(), tags=()):
    return {
        "mal_id": mal_id,
        "title_romaji": f"Anime {mal_id}",
        "genres": list(genres),
        "themes": list(themes),
        "studios": list(studios),
        "tags": list(tags),
        "songs": songs,
    }


def synthetic_records(n_anime=8, songs_per_anime=4):
    """Anime in pairs that share a genre; within an anime, songs share artists and a studio.
    Anime i and j with i // 2 != j // 2 share nothing at all."""
    records = []
    for a in range(n_anime):
        group = a // 2
        songs = [
            _song(
                f"Song {a}-{s}",
                f"Singer {a}-{s % 2}",
                relation=("opening", "ending", "insert", "image")[s % 4],
                composition=f"Composer {a}",
            )
            for s in range(songs_per_anime)
        ]
        records.append(
            _anime(
                a + 1,
                songs,
                genres=[f"Genre {group}"],
                studios=[f"Studio {a}"],
                tags=[{"name": f"tag {a}", "weight": 600}],
            )
        )
    return records


@pytest.fixture(scope="module")
def trained():
    catalog = build_catalog(synthetic_records())
    isolated = catalog.iloc[[0]].copy()
    isolated["song_id"] = pd.array(["isolated"], dtype="string")
    isolated["anime_id"] = pd.array([pd.NA], dtype="Int64")
    isolated["credits"] = [[]]
    catalog = pd.concat([catalog, isolated], ignore_index=True)
    graph = build_song_graph(catalog)
    timings: dict[str, float] = {}
    node_ids, vectors = n2v.train_node2vec(graph, timings=timings, **PARAMS)
    return catalog, graph, node_ids, vectors, timings


# ---------------------------------------------------------------------------- graph


def test_typed_ids_keep_same_names_apart():
    records = [
        _anime(
            1,
            [_song("A", "Music")],
            genres=["Music"],
            themes=["Music"],
            studios=["Music"],
            tags=[{"name": "music", "weight": None}],
        )
    ]
    graph = build_song_graph(build_catalog(records))
    nodes = set(graph.nodes)
    assert {
        "genre:music",
        "theme:music",
        "studio:music",
        "tag:music",
        "creator:name:music",
        "anime:1",
    } <= nodes
    assert graph.node_counts() == {
        "song": 1,
        "anime": 1,
        "creator": 1,
        "tag": 1,
        "genre": 1,
        "theme": 1,
        "studio": 1,
    }
    assert graph.edge_counts()["anime-genre"] == 1 and graph.edge_counts()["anime-studio"] == 1


def test_creators_by_id_else_by_normalised_name():
    records = [
        _anime(
            1,
            [
                _song("A", "LiSA", creator_id=7),
                _song("B", "lisa!", relation="ending"),
                _song("C", "Aimer", creator_id=1, relation="insert"),
                _song("D", "Aimer", creator_id=2, relation="image"),
                _song("E", "AIMER", relation="insert"),
            ],
        )
    ]
    catalog = build_catalog(records)
    linked = set(build_song_graph(catalog).nodes)
    # the id-less "lisa!" is the only LiSA with an id in the catalog: linked to creator 7;
    # "AIMER" matches two ids (homonyms), so it keeps its own name node
    assert "creator:id:7" in linked and "creator:name:lisa" not in linked
    assert {"creator:id:1", "creator:id:2", "creator:name:aimer"} <= linked
    separate = set(build_song_graph(catalog, link_names_to_ids=False).nodes)
    assert {"creator:id:7", "creator:name:lisa"} <= separate


def test_role_edges_and_weights():
    records = [
        _anime(
            1,
            [_song("A", "Yuki Kajiura", lyrics="Yuki Kajiura", composition="Other")],
            tags=[
                {"name": "Magic", "weight": 600},
                {"name": "Fights", "weight": 300},
                {"name": "School", "weight": None},
                {"name": "Cats", "weight": 0},
            ],
        )
    ]
    catalog = build_catalog(records)
    graph = build_song_graph(catalog, role_weights={"vocals": 2.0})
    index = graph.index()
    tag_weights = {
        graph.nodes[d]: float(w)
        for d, w, t in zip(graph.dst, graph.weight, graph.edge_type, strict=True)
        if EDGE_TYPES[t] == "anime-tag"
    }
    assert tag_weights == {"tag:magic": 1.0, "tag:fights": 0.5, "tag:school": 1.0, "tag:cats": 1.0}
    counts = graph.edge_counts()
    assert counts["song-creator"] == 3
    assert counts["song-creator:vocals"] == counts["song-creator:lyrics"] == 1
    # vocals (x2) and lyrics (x1) by the same creator: two typed edges, one CSR entry of weight 3
    indptr, indices, data = graph.to_csr()
    song, creator = index["song:" + catalog["song_id"][0]], index["creator:name:yuki kajiura"]
    row = slice(int(indptr[song]), int(indptr[song + 1]))
    assert dict(zip(indices[row].tolist(), data[row].tolist(), strict=True))[creator] == 3.0
    assert all(
        np.all(np.diff(indices[int(indptr[i]) : int(indptr[i + 1])].astype(int)) > 0)
        for i in range(graph.n_nodes)
    )
    with pytest.raises(ValueError, match="unknown role"):
        build_song_graph(catalog, role_weights={"singing": 1.0})
    with pytest.raises(ValueError, match="positive"):
        build_song_graph(catalog, edge_weights={"anime-tag": 0})


def test_a_song_in_two_anime_is_one_node_for_both_rows():
    shared = {
        "relation": "opening",
        "title": "Same",
        "anidb_song_id": 99,
        "credits": [],
        "links": [],
    }
    catalog = build_catalog([_anime(1, [shared]), _anime(2, [shared])])
    graph = build_song_graph(catalog)
    assert len(catalog) == 2 and graph.row_node[0] == graph.row_node[1]
    assert graph.node_counts()["song"] == 1 and graph.edge_counts()["song-anime"] == 2


def test_in_memory_csr_matches_pecanpy_reading_the_edge_list(tmp_path):
    from pecanpy.graph import SparseGraph

    graph = build_song_graph(build_catalog(synthetic_records(n_anime=3, songs_per_anime=2)))
    read = SparseGraph()
    read.read_edg(str(graph.write_edg(tmp_path / "g.edg")), weighted=True, directed=False)
    indptr, indices, data = graph.to_csr()
    order = [read.nodes.index(node) for node in graph.nodes]
    mine = {
        (graph.nodes[i], graph.nodes[indices[k]]): float(data[k])
        for i in range(graph.n_nodes)
        for k in range(indptr[i], indptr[i + 1])
    }
    theirs = {
        (read.nodes[i], read.nodes[read.indices[k]]): float(read.data[k])
        for i in order
        for k in range(read.indptr[i], read.indptr[i + 1])
    }
    assert mine == pytest.approx(theirs)


def test_empty_catalog_is_a_clear_error(tmp_path):
    empty = build_catalog([])
    with pytest.raises(ValueError, match="empty catalog"):
        build_song_graph(empty)
    with pytest.raises(ValueError, match="empty catalog"):
        node2vec_model(
            context=dg.build_asset_context(),
            config=Node2VecConfig(),
            catalog=empty,
            embedding_cache=EmbeddingCacheResource(root=str(tmp_path)),
        )


def test_mode_rule(monkeypatch):
    graph = build_song_graph(build_catalog(synthetic_records(n_anime=2, songs_per_anime=2)))
    assert n2v.choose_mode(graph, 1, 1) == "PreCompFirstOrder"
    assert n2v.choose_mode(graph, 0.5, 2) == "PreComp"
    monkeypatch.setattr(n2v, "PRECOMP_MAX_ENTRIES", 10)
    assert n2v.choose_mode(graph, 0.5, 2) == "SparseOTF"
    with pytest.raises(ValueError, match="p = q = 1"):
        n2v.train_node2vec(graph, p=0.5, mode="PreCompFirstOrder")
    with pytest.raises(ValueError, match="unknown pecanpy mode"):
        n2v.train_node2vec(graph, mode="fast")


# ---------------------------------------------------------------------------- training


def test_songs_of_one_anime_are_closer_than_songs_of_unrelated_anime(trained):
    catalog, graph, _node_ids, vectors, timings = trained
    assert timings["mode"] == "PreCompFirstOrder"
    rows = n2v.song_row_vectors(graph, vectors)
    assert rows.dtype == np.float32 and rows.shape == (len(catalog), PARAMS["dim"])
    real = catalog["anime_id"].notna().to_numpy()
    unit = rows[real] / np.linalg.norm(rows[real], axis=1, keepdims=True)
    anime = catalog["anime_id"][real].to_numpy(dtype=int)
    cosine = unit @ unit.T
    same = anime[:, None] == anime[None, :]
    unrelated = (anime[:, None] - 1) // 2 != (anime[None, :] - 1) // 2  # no shared genre either
    off_diagonal = ~np.eye(len(anime), dtype=bool)
    assert cosine[same & off_diagonal].mean() > cosine[unrelated].mean() + 0.3
    # every song's nearest other song is from its own anime
    nearest = np.where(off_diagonal, cosine, -np.inf).argmax(axis=1)
    assert (anime[nearest] == anime).all()


def test_a_song_without_edges_gets_a_zero_vector(trained):
    catalog, graph, node_ids, vectors, _ = trained
    rows = n2v.song_row_vectors(graph, vectors)
    isolated = int(np.flatnonzero(catalog["song_id"] == "isolated")[0])
    assert not rows[isolated].any()
    assert (np.linalg.norm(np.delete(rows, isolated, axis=0), axis=1) > 0).all()
    assert node_ids == graph.nodes


def test_same_seed_gives_bit_identical_vectors_through_the_asset(trained, tmp_path):
    catalog, graph, _, vectors, _ = trained
    result = node2vec_model(
        context=dg.build_asset_context(),
        config=Node2VecConfig(**PARAMS),
        catalog=catalog,
        embedding_cache=EmbeddingCacheResource(root=str(tmp_path)),
    )
    np.testing.assert_array_equal(result.value.matrix, n2v.song_row_vectors(graph, vectors))
    meta = result.metadata
    assert meta["params"]["mode"] == "PreCompFirstOrder" and meta["dim"] == PARAMS["dim"]
    assert meta["built_by"] == "full training"
    assert meta["nodes_per_type"]["song"] == len(catalog)
    assert meta["edges_per_type"]["anime-genre"] == 8 and meta["zero_rows"] == 1
    assert result.value.params["profile_query"] == "nearest"


def test_unknown_profile_query_is_refused_before_training(tmp_path):
    with pytest.raises(dg.Failure, match="profile_query"):
        node2vec_model(
            context=dg.build_asset_context(),
            config=Node2VecConfig(**PARAMS, profile_query="centroid"),
            catalog=build_catalog(synthetic_records(n_anime=2, songs_per_anime=2)),
            embedding_cache=EmbeddingCacheResource(root=str(tmp_path)),
        )


def test_incremental_build_folds_new_anime_into_the_old_space(tmp_path):
    """After a full training, a catalog grown by a few anime is embedded by folding the new
    nodes in: old songs keep their vectors exactly, new songs land near their own anime."""
    records = synthetic_records(n_anime=12, songs_per_anime=3)
    # the new anime shares its genre with an old one (anime pairs share a genre)
    before, after = build_catalog(records[:-1]), build_catalog(records)
    cache = EmbeddingCacheResource(root=str(tmp_path))
    config = Node2VecConfig(**{**PARAMS, "max_new_share": 0.5})
    first = node2vec_model(
        context=dg.build_asset_context(), config=config, catalog=before, embedding_cache=cache
    )
    second = node2vec_model(
        context=dg.build_asset_context(), config=config, catalog=after, embedding_cache=cache
    )
    assert second.metadata["built_by"].startswith("incremental")
    old = after["song_id"].isin(before["song_id"]).to_numpy()
    by_id = dict(zip(before["song_id"], first.value.matrix, strict=True))
    np.testing.assert_array_equal(
        second.value.matrix[old], np.stack([by_id[s] for s in after["song_id"][old]])
    )
    new_rows = np.flatnonzero(~old)
    assert new_rows.size and (np.linalg.norm(second.value.matrix[new_rows], axis=1) > 0).all()
    anime = after["anime_id"].to_numpy()
    unit = second.value.matrix / np.linalg.norm(second.value.matrix, axis=1, keepdims=True)
    sims = unit[new_rows] @ unit.T
    sims[np.arange(len(new_rows)), new_rows] = -np.inf
    assert (anime[sims.argmax(axis=1)] == anime[new_rows]).mean() >= 0.5
    # too many new nodes: a full retrain, not a fold-in
    strict = Node2VecConfig(**{**PARAMS, "max_new_share": 0.0})
    third = node2vec_model(
        context=dg.build_asset_context(),
        config=strict,
        catalog=after,
        embedding_cache=EmbeddingCacheResource(root=str(tmp_path / "other")),
    )
    assert third.metadata["built_by"] == "full training"
