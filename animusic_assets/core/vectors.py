"""What every dense model asset produces: one vector per catalog row, plus how it was made."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SongVectors:
    matrix: np.ndarray  # float32 (n_catalog_rows, dim), catalog row order
    params: dict = field(default_factory=dict)  # recorded in the bundle manifest

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])
