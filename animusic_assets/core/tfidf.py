"""The TF-IDF model: scikit-learn's vectoriser over the song documents."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer


@dataclass
class TfidfModel:
    matrix: sp.csr_matrix  # one L2-normalised row per song
    vocabulary: dict[str, int]
    idf: np.ndarray
    params: dict = field(default_factory=dict)


def fit_tfidf(
    documents: list[str], sublinear_tf: bool = True, max_ngram: int = 1, min_df: int = 1
) -> TfidfModel:
    if not documents:
        raise ValueError("cannot fit TF-IDF on an empty catalog")
    params = {
        "stop_words": "english",
        "sublinear_tf": sublinear_tf,
        "ngram_range": [1, max_ngram],
        "min_df": min_df,
    }
    vectoriser = TfidfVectorizer(
        stop_words="english",
        sublinear_tf=sublinear_tf,
        ngram_range=(1, max_ngram),
        min_df=min_df,
        dtype=np.float32,
    )
    matrix = vectoriser.fit_transform(documents).tocsr()
    vocabulary = {term: int(col) for term, col in vectoriser.vocabulary_.items()}
    return TfidfModel(matrix, vocabulary, vectoriser.idf_.astype(np.float64), params)
