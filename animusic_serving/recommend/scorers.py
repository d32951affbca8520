"""One score per bundle row for each model; higher is better. Whole-catalogue vector maths only.

* Dense models (minilm, mpnet, node2vec): ``matrix @ mean(profile vectors)``. Rows are
  L2-normalised, so this is the cosine to the profile's mean vector times the constant
  ``|mean|``: the same ranking as the cosine, without a division.
* TF-IDF: cosine to the mean of the profile's L2-normalised TF-IDF rows (not to a TF-IDF of the
  profile's concatenated text). The bundle's rows are L2-normalised, so ``tfidf @ mean`` ranks
  exactly like that cosine.
* popular: the bundle's popularity score vector (e.g. ``popular.scores.npy``).
* random: i.i.d. uniform scores, so the best candidate is a uniform draw among candidates.
* hybrid: the mean of the similarity models' z-scored scores (z-scoring puts TF-IDF's and the
  dense models' cosines on one scale); the manifest's ``params["weights"]`` may weight them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DENSE_MODELS = ("minilm", "mpnet", "node2vec")
SIMILARITY_MODELS = ("tfidf", *DENSE_MODELS)


def dense_scores(matrix: np.ndarray, profile_rows: np.ndarray) -> np.ndarray:
    centroid = np.asarray(matrix[profile_rows], dtype=np.float32).mean(axis=0)
    return np.asarray(matrix @ centroid, dtype=np.float32)


def tfidf_scores(matrix: Any, profile_rows: np.ndarray) -> np.ndarray:
    """``matrix``: scipy CSR with L2-normalised rows."""
    centroid = np.asarray(matrix[profile_rows].mean(axis=0), dtype=np.float32).ravel()
    return np.asarray(matrix @ centroid, dtype=np.float32).ravel()


def random_scores(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.random(n)


def hybrid_scores(bundle: Any, profile_rows: np.ndarray,
                  weights: dict[str, float] | None = None) -> np.ndarray:
    weights = weights or {name: 1.0 for name in SIMILARITY_MODELS}
    total, weight_sum = np.zeros(bundle.n_songs, dtype=np.float64), 0.0
    for name, weight in weights.items():
        if name not in SIMILARITY_MODELS or not has_scorer(bundle, name):
            continue
        scores = score(bundle, name, profile_rows, rng=None)
        spread = scores.std()
        total += weight * (scores - scores.mean()) / (spread if spread > 0 else 1.0)
        weight_sum += weight
    return total / weight_sum if weight_sum else total


def has_scorer(bundle: Any, name: str) -> bool:
    """Whether ``bundle`` carries what model ``name`` needs to score."""
    if name == "tfidf":
        return bundle.tfidf is not None
    if name in DENSE_MODELS:
        return name in bundle.dense
    if name == "popular":
        return name in bundle.scores
    if name == "hybrid":
        return any(has_scorer(bundle, m) for m in SIMILARITY_MODELS if m in bundle.model_names)
    return name == "random"


def score(bundle: Any, name: str, profile_rows: np.ndarray,
          rng: np.random.Generator | None) -> np.ndarray:
    """Scores of every row for model ``name``. Without profile rows the similarity models
    fall back to popularity (or zeros), which keeps a playlist possible on any catalogue."""
    profile_rows = np.asarray(profile_rows, dtype=np.int64)
    if name == "random":
        return random_scores(bundle.n_songs, rng or np.random.default_rng())
    if name == "popular" or (name in (*SIMILARITY_MODELS, "hybrid") and not profile_rows.size):
        popular = bundle.scores.get("popular")
        return np.asarray(popular) if popular is not None else np.zeros(bundle.n_songs)
    if name == "tfidf":
        return tfidf_scores(bundle.tfidf, profile_rows)
    if name in DENSE_MODELS:
        return dense_scores(bundle.dense[name], profile_rows)
    if name == "hybrid":
        params = bundle.manifest["models"].get("hybrid", {}).get("params", {})
        return hybrid_scores(bundle, profile_rows, params.get("weights"))
    raise KeyError(f"no scorer for model {name!r}")
