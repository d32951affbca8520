"""The fast embedding path without importing sentence-transformers.

``import sentence_transformers`` costs about 3 s on 2 cores (it pulls in most of
``transformers``, scipy.stats, parts of torch.distributed …) on top of torch's own 0.9 s, and
every Dagster step that embeds is a fresh process: it was half of an incremental rebuild of
MiniLM + MPNet after one small partition. MiniLM and MPNet are a plain pipeline — transformer,
mean pooling over the attention mask, L2 normalisation — declared in the model folder's
``modules.json``; this module runs exactly that with ``transformers.AutoModel`` (0.75 s to
import). A folder declaring anything else raises ``UnsupportedPipeline`` and the caller falls
back to sentence-transformers.

What stays the same as ``SentenceTransformer``: the tokenizer and its truncation length
(``sentence_bert_config.json``), the weights, the pooling formula (sum of token vectors with
mask 1 over ``max(count, 1e-9)``), the normalisation. ``tests/assets/test_embeddings.py``
checks the vectors against ``SentenceTransformer.encode`` (cosine ≥ 0.9999 in fp32).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

_MODULE_TYPES = (
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
)


class UnsupportedPipeline(ValueError):
    """The model folder declares modules other than transformer + mean pooling (+ normalise)."""


def read_pipeline(path: Path) -> tuple[bool, int | None]:
    """Check the folder's declared pipeline; returns (normalise, max_seq_length or None)."""
    try:
        modules = json.loads((path / "modules.json").read_text())
        types = [m["type"] for m in sorted(modules, key=lambda m: m["idx"])]
        pooling_dir = path / modules[1]["path"] if len(modules) > 1 else path
        pooling = json.loads((pooling_dir / "config.json").read_text())
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise UnsupportedPipeline(f"{path}: cannot read its pipeline ({exc})") from None
    if tuple(types) not in (_MODULE_TYPES, _MODULE_TYPES[:2]) or modules[0].get("path"):
        raise UnsupportedPipeline(f"{path}: modules {types} are not transformer + pooling")
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    if modes != {"pooling_mode_mean_tokens"}:
        raise UnsupportedPipeline(f"{path}: pooling {sorted(modes)} is not mean pooling")
    return len(types) == 3, declared_max_seq_length(path)


def declared_max_seq_length(path: Path) -> int | None:
    """The truncation length the model folder declares (``sentence_bert_config.json``)."""
    try:
        return int(json.loads((path / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def length_sorted_batches(
    tokenizer: Any,
    texts: list[str],
    max_length: int,
    batch_size: int,
    names: list[str] | None = None,
    return_tensors: str = "pt",
) -> Iterator[tuple[np.ndarray, Any]]:
    """Tokenise once, then yield ``(rows, padded batch)`` longest first: documents of similar
    length share a batch, so little compute goes to padding. ``names``: the tokenizer outputs
    to keep (default: input ids, attention mask and token type ids when present)."""
    encoded = tokenizer(texts, truncation=True, max_length=max_length, padding=False)
    if names is None:
        names = [k for k in encoded if k in ("input_ids", "attention_mask", "token_type_ids")]
    order = np.argsort(-np.array([len(ids) for ids in encoded["input_ids"]]), kind="stable")
    for start in range(0, len(texts), batch_size):
        rows = order[start : start + batch_size]
        yield (
            rows,
            tokenizer.pad(
                {k: [encoded[k][i] for i in rows] for k in names}, return_tensors=return_tensors
            ),
        )


class PlainPipeline:
    """Transformer → mean pooling → (normalise), loaded with ``transformers`` only."""

    def __init__(self, path: Path, device: str = "cpu", max_seq_length: int | None = None):
        self.normalise, declared_length = read_pipeline(path)
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self.model = AutoModel.from_pretrained(str(path), local_files_only=True).to(device)
        self.model.eval()
        self.max_seq_length = int(
            max_seq_length or declared_length or self.tokenizer.model_max_length
        )
        self.dim = int(self.model.config.hidden_size)

    def encode(self, texts: list[str], batch_size: int, dtype: Any = None) -> np.ndarray:
        """Vectors for ``texts`` (float32). Batches are sorted by token length (little
        padding); ``dtype`` (torch.bfloat16 / float16) runs the transformer under autocast,
        pooling and normalisation stay fp32."""
        import torch

        out = np.empty((len(texts), self.dim), np.float32)
        device_type = "cuda" if self.device.startswith("cuda") else "cpu"
        with torch.inference_mode():
            for rows, batch in length_sorted_batches(
                self.tokenizer, texts, self.max_seq_length, batch_size
            ):
                features = {k: v.to(self.device) for k, v in batch.items()}
                with torch.autocast(device_type, dtype=dtype, enabled=dtype is not None):
                    tokens = self.model(**features).last_hidden_state
                mask = features["attention_mask"].unsqueeze(-1).float()
                summed = (tokens.float() * mask).sum(dim=1)
                vectors = summed / mask.sum(dim=1).clamp(min=1e-9)
                if self.normalise:
                    vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
                out[rows] = vectors.cpu().numpy()
        return out
