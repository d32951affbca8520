"""A fingerprint of everything a bundle is built from, so that publishing the same inputs twice
(two automation ticks racing, a weekly rebuild with nothing new) is a no-op.

Every model the bundle carries is deterministic for the same catalog and config (node2vec
runs on one thread; the embeddings come from the cache), so equal inputs mean an equal bundle.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp


def _feed(digest: Any, value: Any) -> None:
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        digest.update(f"nd:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    elif sp.issparse(value):
        matrix = sp.csr_matrix(value)
        matrix.sort_indices()
        digest.update(f"csr:{matrix.shape}".encode())
        for part in (matrix.data, matrix.indices, matrix.indptr):
            _feed(digest, part)
    elif isinstance(value, (pd.DataFrame, pd.Series)):
        names = list(value.columns) if isinstance(value, pd.DataFrame) else [value.name]
        digest.update(f"pd:{names}".encode())
        _feed(digest, pd.util.hash_pandas_object(value, index=False).to_numpy())
    else:
        digest.update(json.dumps(value, sort_keys=True, default=str).encode())


def bundle_inputs_hash(catalog_hash: str, parts: Mapping[str, Any]) -> str:
    """SHA-256 over the catalog hash and every named part (arrays, sparse matrices, frames,
    JSON-able params), in name order."""
    digest = hashlib.sha256(catalog_hash.encode())
    for name in sorted(parts):
        digest.update(f"|{name}|".encode())
        _feed(digest, parts[name])
    return digest.hexdigest()
