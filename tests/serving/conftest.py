"""Fixtures for the serving tests: tiny synthetic bundles (published with the real
``BundleBuilder``), a rolled-back database session per test, and API clients."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from animusic_serving.api.app import create_app
from animusic_serving.api.deps import get_session
from animusic_serving.api.settings import Settings
from animusic_serving.bundle import load_bundle
from animusic_serving.bundle_builder import BundleBuilder
from animusic_serving.db.session import make_engine

ALL_MODELS = ("tfidf", "minilm", "mpnet", "node2vec", "lists", "popular", "random", "hybrid")


def synthetic_songs(anime_of_rows: list[int]) -> pd.DataFrame:
    n = len(anime_of_rows)
    return pd.DataFrame(
        {
            "song_id": [f"s{i}" for i in range(n)],
            "anime_id": np.asarray(anime_of_rows, dtype=np.int64),
            "relation": ["opening" if i % 2 == 0 else "ending" for i in range(n)],
            "title": [f"Song {i}" for i in range(n)],
            "anime_title": [f"Anime {a}" for a in anime_of_rows],
            "artists": [[f"Artist {i % 3}"] for i in range(n)],
            "links": [
                json.dumps(
                    [
                        {
                            "platform": "youtube",
                            "video_id": None,
                            "url": f"https://www.youtube.com/results?search_query=song+{i}",
                        }
                    ]
                )
                for i in range(n)
            ],
        }
    )


def synthetic_builder(
    n_anime: int = 5,
    songs_per_anime: int = 4,
    models=ALL_MODELS,
    seed: int = 0,
    dense: dict[str, np.ndarray] | None = None,
    popular: np.ndarray | None = None,
) -> BundleBuilder:
    """Songs of one anime have similar vectors (a shared anime direction plus noise)."""
    rng = np.random.default_rng(seed)
    anime_of_rows = [a + 1 for a in range(n_anime) for _ in range(songs_per_anime)]
    n = len(anime_of_rows)
    builder = BundleBuilder(synthetic_songs(anime_of_rows))
    anime_index = np.asarray(anime_of_rows) - 1
    for name in ("minilm", "mpnet", "node2vec"):
        if name in models:
            centres = rng.normal(size=(n_anime, 8))
            vectors = (dense or {}).get(name, centres[anime_index] + 0.3 * rng.normal(size=(n, 8)))
            builder.add_dense(name, vectors)
    if "tfidf" in models:
        counts = rng.random((n, 12)) * (rng.random((n, 12)) < 0.4)
        counts[np.arange(n), anime_index % 12] += 2.0  # a term per anime
        builder.add_tfidf(sp.csr_matrix(counts), {f"t{j}": j for j in range(12)}, np.ones(12))
    if "popular" in models:
        builder.add_scores("popular", popular if popular is not None else rng.random(n))
    if "lists" in models:
        builder.add_anime_model(
            "lists", np.arange(1, n_anime + 1), weights=synthetic_lists_weights(n_anime, rng)
        )
    for name in ("random", "hybrid"):
        if name in models:
            builder.add_model(name)
    return builder


def synthetic_lists_weights(n_anime: int, rng: np.random.Generator) -> np.ndarray:
    """Anime-to-anime weights where anime a's listeners like a+1 (a "sequel") most."""
    weights = 0.05 * rng.random((n_anime, n_anime))
    for a in range(n_anime - 1):
        weights[a, a + 1] = 1.0
    np.fill_diagonal(weights, 0.0)
    return weights.astype(np.float32)


def publish_synthetic(root: Path, version: str | None = None, **kwargs) -> str:
    return synthetic_builder(**kwargs).publish(root, catalog_hash="synthetic", version=version)


@pytest.fixture
def make_bundle(tmp_path):
    """``make_bundle(**synthetic_builder kwargs) -> Bundle`` (published, then loaded back)."""
    counter = iter(range(1000))

    def make(**kwargs):
        root = tmp_path / f"store{next(counter)}"
        return load_bundle(root, publish_synthetic(root, **kwargs))

    return make


# --------------------------------------------------------------------------- database / API


@pytest.fixture(scope="module")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine):
    """A session inside a transaction that is rolled back after the test; the endpoints'
    commits only release savepoints (join_transaction_mode="create_savepoint")."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def bundle_root(tmp_path) -> Path:
    root = tmp_path / "bundles"
    publish_synthetic(root, version="v1")
    return root


SESSION_SECRET = "test-secret-" + "x" * 32


def make_client(
    database_url: str,
    bundle_dir: Path,
    session: Session | None = None,
    poll_seconds: float = 0.0,
    settings: dict | None = None,
    **client_kwargs,
) -> TestClient:
    """An API client; with ``session`` every request uses it (rolled back by its fixture).
    Dev mode is on unless ``settings`` says otherwise (most tests name their user)."""
    app = create_app(
        Settings(
            database_url=database_url,
            bundle_dir=bundle_dir,
            bundle_poll_seconds=poll_seconds,
            **{"dev_mode": True, "session_secret": SESSION_SECRET, **(settings or {})},
        )
    )
    if session is not None:
        app.dependency_overrides[get_session] = lambda: session
    return TestClient(app, **client_kwargs)


@pytest.fixture
def client(database_url, bundle_root, db_session):
    with make_client(database_url, bundle_root, db_session) as client:
        yield client


@pytest.fixture
def client_factory(database_url):
    """``client_factory(bundle_dir, session=None, poll_seconds=0, settings=None,
    **TestClient kwargs)``."""
    return lambda bundle_dir, **kwargs: make_client(database_url, bundle_dir, **kwargs)


@pytest.fixture
def publish():
    """``publish(root, version=None, **synthetic_builder kwargs) -> version``."""
    return publish_synthetic
