"""The sentence-transformer models the graph embeds with: short name, full name, dimension.

Its own module so that ``embeddings`` (caching, backends) and ``encoders`` (the encoders
themselves) both use it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    name: str  # short name used in asset names, cache files, bundle names
    full_name: str  # the sentence-transformers model name
    dim: int


MODELS: dict[str, ModelSpec] = {
    "minilm": ModelSpec("minilm", "all-MiniLM-L6-v2", 384),
    "mpnet": ModelSpec("mpnet", "all-mpnet-base-v2", 768),
}
_ALIASES = {spec.full_name.lower(): key for key, spec in MODELS.items()}
_ALIASES.update({"sentence-transformers/" + k: v for k, v in list(_ALIASES.items())})


def model_spec(model_name: str) -> ModelSpec:
    """The spec of a short (``minilm``) or full (``all-MiniLM-L6-v2``) model name."""
    key = _ALIASES.get(model_name.lower(), model_name.lower())
    if key not in MODELS:
        full_names = ", ".join(s.full_name for s in MODELS.values())
        raise ValueError(
            f"unknown embedding model {model_name!r}; expected one of "
            f"{', '.join(MODELS)} (or {full_names})"
        )
    return MODELS[key]
