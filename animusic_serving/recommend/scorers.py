"""One score per bundle row for each model; higher is better. Whole-catalogue vector maths only.

* Dense models (minilm, mpnet, node2vec): by default ``matrix @ mean(profile vectors)``. Rows
  are L2-normalised, so this is the cosine to the profile's mean vector times the constant
  ``|mean|``: the same ranking as the cosine, without a division. A model whose manifest
  params say ``"profile_query": "nearest"`` scores a candidate by its cosine to the *nearest*
  profile song instead (max over the profile; at most ``NEAREST_MAX_PROFILE`` profile rows,
  spread evenly). The sentence transformers use it: a profile's songs sit in several distinct
  regions of their space and the mean lands between them (NDCG@10 on the reference catalog:
  MiniLM 0.044 -> 0.099, MPNet 0.032 -> 0.103; README "Offline evaluation"). When the bundle
  carries the model's neighbour lists, the nearest cosine comes from them (exact for every
  song near the profile, ``neighbours.py``) instead of a (songs x profile) product.
* TF-IDF: with ``"profile_query": "nearest"`` (what the tfidf asset publishes: NDCG@10
  0.087 -> 0.113), the cosine to the nearest profile song, as above (from its neighbour lists
  when published, else sparse products). With ``mean`` (a bundle without the param): cosine to
  the mean of the profile's L2-normalised TF-IDF rows (not to a TF-IDF of the profile's
  concatenated text); the rows are L2-normalised, so ``tfidf @ mean`` ranks like that cosine.
* popular: the bundle's popularity score vector (e.g. ``popular.scores.npy``).
* random: i.i.d. uniform scores, so the best candidate is a uniform draw among candidates.
* lists: collaborative anime-to-anime weights (``lists.py``): the sum of the user's positive
  anime's rows, with a within-anime tie-break. It reads the profile's songs' anime plus
  ``seed_anime`` (the imported list), which the callers pass from ``Profile.listed_anime``.
* hybrid: a weighted sum of z-scored components (z-scoring puts cosines and priors on one
  scale): the similarity models' and ``lists``' scores, a log-popularity prior
  (``popularity``: minus the log of the popularity rank) and franchise affinity
  (``franchise``: 1 when the candidate's franchise key is one of the profile's or, given
  ``seed_anime``, one of the imported list's anime's, 0 otherwise). The weights come from the
  manifest's ``params["weights"]``; the offline evaluation chooses them on a tuning half of
  the users.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from animusic_serving.recommend.coarse import coarse_mean_scores
from animusic_serving.recommend.lists import LISTS_MODEL, has_lists, lists_scores
from animusic_serving.recommend.neighbours import listed_nearest_scores, tail_offsets

DENSE_MODELS = ("minilm", "mpnet", "node2vec")
PROFILE_QUERIES = ("nearest", "mean")  # a similarity model's manifest param ``profile_query``
SIMILARITY_MODELS = ("tfidf", *DENSE_MODELS)
# models that score from the profile (z-scored into the hybrid); lists is collaborative
PROFILE_MODELS = (*SIMILARITY_MODELS, LISTS_MODEL)


NEAREST_MAX_PROFILE = 64
NEAREST_SHORTLIST = 8_192  # exact below this many songs; see nearest_profile_scores


def dense_scores(
    matrix: np.ndarray,
    profile_rows: np.ndarray,
    query: str = "mean",
    coarse: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    if query == "nearest":
        return nearest_profile_scores(matrix, profile_rows, coarse=coarse)
    centroid = np.asarray(matrix[profile_rows], dtype=np.float32).mean(axis=0)
    return np.asarray(matrix @ centroid, dtype=np.float32)


def nearest_profile_scores(
    matrix: np.ndarray,
    profile_rows: np.ndarray,
    shortlist: int | None = None,
    coarse: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Cosine of every row to its nearest profile row.

    Exact for catalogues up to ``NEAREST_SHORTLIST`` rows. Beyond that, the mean query (one
    matrix-vector product) picks a shortlist and only it is scored against every profile row
    (a GEMM of shortlist x profile), so the cost stays near the mean query's at 1M songs; rows
    outside the shortlist keep their mean-query order below every shortlisted row. With
    ``coarse`` (``(vectors, basis)``, ``coarse.py``) the mean query runs on the projected rows.
    """
    rows = np.asarray(profile_rows, dtype=np.int64)
    if rows.size > NEAREST_MAX_PROFILE:
        rows = rows[np.linspace(0, rows.size - 1, NEAREST_MAX_PROFILE).astype(np.int64)]
    sparse = sp.issparse(matrix)  # TF-IDF: the products stay sparse until the max
    profile = matrix[rows] if sparse else np.asarray(matrix[rows], dtype=np.float32)  # (p, d)

    def nearest_of(candidates: Any) -> np.ndarray:
        products = candidates @ profile.T
        return (products.toarray() if sparse else np.asarray(products)).max(axis=1)

    shortlist = NEAREST_SHORTLIST if shortlist is None else shortlist
    n = matrix.shape[0]
    if n <= shortlist:
        return nearest_of(matrix).astype(np.float32)
    centroid = np.asarray(profile.mean(axis=0), dtype=np.float32).ravel()
    mean_scores = (
        coarse_mean_scores(coarse, centroid)
        if coarse is not None
        else np.asarray(matrix @ centroid, dtype=np.float32).ravel()
    )
    best = np.sort(top_rows(mean_scores, shortlist))
    nearest = nearest_of(matrix[best])
    floor = float(nearest.min())
    # the tail: below the shortlist, in mean-query order, on a comparable scale
    out = np.minimum(mean_scores, np.float32(floor))
    out -= np.float32((floor - float(mean_scores.min()) + 1e-3) * 1e-3)
    out[best] = nearest
    return out


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` highest scores, unordered: what ``argpartition`` gives, which
    costs 8 ms over 1M scores. For a large array a strided sample (16 values per wanted row)
    sets a threshold a little below the k-th score, one comparison pass keeps the rows at or
    above it (a superset of the top k whenever at least k pass), and a small argpartition
    trims them to k. When the sample misjudges and fewer than k pass, the full argpartition
    runs, so the result is always exact."""
    n = scores.size
    if n <= 32 * k:
        return np.argpartition(-scores, k - 1)[:k]
    sample = scores[:: n // (16 * k)]
    rank = min(sample.size, int(np.ceil(1.25 * k * sample.size / n)))
    threshold = np.partition(sample, sample.size - rank)[sample.size - rank]
    rows = np.flatnonzero(scores >= threshold)
    if rows.size < k:
        return np.argpartition(-scores, k - 1)[:k]
    return rows[np.argpartition(-scores[rows], k - 1)[:k]]


def tfidf_scores(matrix: Any, profile_rows: np.ndarray) -> np.ndarray:
    """``matrix``: scipy CSR with L2-normalised rows."""
    centroid = np.asarray(matrix[profile_rows].mean(axis=0), dtype=np.float32).ravel()
    return np.asarray(matrix @ centroid, dtype=np.float32).ravel()


def random_scores(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.random(n)


# untuned default: every similarity model counts equally, the priors half as much
DEFAULT_HYBRID_WEIGHTS = {
    **{name: 1.0 for name in SIMILARITY_MODELS},
    "popularity": 0.5,
    "franchise": 0.5,
}


def hybrid_components(
    bundle: Any,
    profile_rows: np.ndarray,
    names: list[str],
    *,
    cache: dict | None = None,
    seed_anime: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The hybrid's building blocks for one profile, each on a comparable scale; components
    the bundle cannot provide are left out. ``cache``: scores already computed for this
    profile (see ``score``), so a playlist scores each similarity model once."""
    components: dict[str, np.ndarray] = {}
    for name in names:
        if name in PROFILE_MODELS and has_scorer(bundle, name):
            key = ("zscore", name)  # the explanation reads the components the hybrid used
            if cache is None or key not in cache:
                z = _zscore(
                    score(bundle, name, profile_rows, rng=None, cache=cache, seed_anime=seed_anime)
                )
                if cache is None:
                    components[name] = z
                    continue
                cache[key] = z
            components[name] = cache[key]
        elif name == "popularity" and "popular" in bundle.scores:
            components[name] = bundle.derived("log_popularity_prior", _log_popularity_prior)
        elif name == "franchise" and "franchise" in bundle.songs.columns:
            if cache is not None and ("component", name) in cache:
                components[name] = cache[("component", name)]
                continue
            codes = bundle.derived("franchise_codes", _franchise_codes)
            present = np.zeros(codes.max() + 2, dtype=bool)  # a lookup table: O(n), no sort
            present[codes[profile_rows]] = True
            if seed_anime is not None and len(seed_anime):
                present[_franchise_codes_of_anime(bundle, seed_anime)] = True
            components[name] = present[codes].astype(np.float32)
            if cache is not None:
                cache[("component", name)] = components[name]
    return components


def hybrid_scores(
    bundle: Any,
    profile_rows: np.ndarray,
    weights: dict[str, float] | None = None,
    *,
    cache: dict | None = None,
    seed_anime: np.ndarray | None = None,
) -> np.ndarray:
    weights = DEFAULT_HYBRID_WEIGHTS if weights is None else weights
    components = hybrid_components(
        bundle,
        profile_rows,
        [n for n, w in weights.items() if w],
        cache=cache,
        seed_anime=seed_anime,
    )
    # float32 throughout: at 1M songs each pass over the catalogue costs memory bandwidth
    total = np.zeros(bundle.n_songs, dtype=np.float32)
    for name, component in components.items():
        total += np.float32(weights[name]) * component
    return total


def _zscore(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float32)
    mean, spread = float(values.mean(dtype=np.float64)), float(values.std(dtype=np.float64))
    return (values - np.float32(mean)) * np.float32(1.0 / (spread if spread > 0 else 1.0))


def _log_popularity_prior(bundle: Any) -> np.ndarray:
    """-log(popularity rank), z-scored: the head of the catalogue is far apart, the tail flat."""
    order = np.argsort(-np.asarray(bundle.scores["popular"]), kind="stable")
    ranks = np.empty(len(order), dtype=np.float64)
    ranks[order] = np.arange(1, len(order) + 1)
    return _zscore(-np.log(ranks))


def _unlisted_offsets(bundle: Any) -> np.ndarray:
    """Songs near no profile song follow the listed ones, the more popular first."""
    tail = (
        bundle.derived("log_popularity_prior", _log_popularity_prior)
        if "popular" in bundle.scores
        else None
    )
    return tail_offsets(tail, bundle.n_songs)


def _franchise_codes_of_anime(bundle: Any, anime: np.ndarray) -> np.ndarray:
    """Franchise codes of the given MAL ids (those the catalogue has), via a per-bundle
    sorted (anime id, code) table: no pass over the songs per request."""
    ids, codes = bundle.derived("anime_franchise_codes", _anime_franchise_table)
    anime = np.asarray(anime, dtype=ids.dtype)
    at = np.minimum(np.searchsorted(ids, anime), max(len(ids) - 1, 0))
    return codes[at[ids[at] == anime]] if len(ids) else np.empty(0, np.int64)


def _anime_franchise_table(bundle: Any) -> tuple[np.ndarray, np.ndarray]:
    codes = bundle.derived("franchise_codes", _franchise_codes)
    ids, first = np.unique(bundle.songs["anime_id"].to_numpy(), return_index=True)
    return ids, codes[first]


def _franchise_codes(bundle: Any) -> np.ndarray:
    return pd.factorize(bundle.songs["franchise"].fillna(""))[0]


def has_scorer(bundle: Any, name: str) -> bool:
    """Whether ``bundle`` carries what model ``name`` needs to score."""
    if name == "tfidf":
        return bundle.tfidf is not None
    if name in DENSE_MODELS:
        return name in bundle.dense
    if name == "popular":
        return name in bundle.scores
    if name == LISTS_MODEL:
        return has_lists(bundle)
    if name == "hybrid":
        return any(has_scorer(bundle, m) for m in SIMILARITY_MODELS if m in bundle.model_names)
    return name == "random"


def score(
    bundle: Any,
    name: str,
    profile_rows: np.ndarray,
    rng: np.random.Generator | None,
    *,
    cache: dict | None = None,
    seed_anime: np.ndarray | None = None,
) -> np.ndarray:
    """Scores of every row for model ``name``. Without profile rows the similarity models
    fall back to popularity (or zeros), which keeps a playlist possible on any catalogue.

    ``cache``: a dict owned by the caller for ONE profile and bundle (e.g. one playlist);
    deterministic scores are stored there, so the hybrid reuses the similarity models'.
    ``seed_anime``: MAL ids on the user's imported list (read by ``lists``)."""
    if cache is not None and name != "random":
        if name not in cache:
            cache[name] = _score(bundle, name, profile_rows, rng, cache, seed_anime)
        return cache[name]
    return _score(bundle, name, profile_rows, rng, None, seed_anime)


def _score(
    bundle: Any,
    name: str,
    profile_rows: np.ndarray,
    rng: np.random.Generator | None,
    cache: dict | None,
    seed_anime: np.ndarray | None = None,
) -> np.ndarray:
    profile_rows = np.asarray(profile_rows, dtype=np.int64)
    if name == LISTS_MODEL:
        return lists_scores(bundle, profile_rows, seed_anime)
    if name == "random":
        return random_scores(bundle.n_songs, rng or np.random.default_rng())
    if name == "popular" or (name in (*SIMILARITY_MODELS, "hybrid") and not profile_rows.size):
        popular = bundle.scores.get("popular")
        return np.asarray(popular) if popular is not None else np.zeros(bundle.n_songs)
    if name in SIMILARITY_MODELS:
        params = bundle.manifest["models"].get(name, {}).get("params", {})
        query = params.get("profile_query", "mean")
        lists = getattr(bundle, "neighbours", {}).get(name)
        if query == "nearest" and lists is not None:
            offsets = bundle.derived("unlisted_offsets", _unlisted_offsets)
            return listed_nearest_scores(bundle.n_songs, profile_rows, *lists, offsets=offsets)
        if name == "tfidf":
            return (
                nearest_profile_scores(bundle.tfidf, profile_rows)
                if query == "nearest"
                else tfidf_scores(bundle.tfidf, profile_rows)
            )
        return dense_scores(
            bundle.dense[name], profile_rows, query, coarse=getattr(bundle, "coarse", {}).get(name)
        )
    if name == "hybrid":
        params = bundle.manifest["models"].get("hybrid", {}).get("params", {})
        return hybrid_scores(
            bundle, profile_rows, params.get("weights"), cache=cache, seed_anime=seed_anime
        )
    raise KeyError(f"no scorer for model {name!r}")
