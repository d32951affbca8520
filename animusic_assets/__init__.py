"""Animusic's offline half: the Dagster code location (see definitions.py)."""

import os

# pecanpy's walks run on numba; with numba's OpenMP layer its idle worker threads keep
# spinning beside torch's own OpenMP pool, and MiniLM encoding in the same process ran 10x
# slower (46.7 -> 4.7 texts/s measured). numba's own workqueue layer leaves torch alone
# (86 texts/s in the same test). Set before numba is first imported; an explicit setting wins.
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")
