"""Embedding backends behind one interface, and the one factory everything uses.

* :class:`~index.embeddings.base.BaseEmbedder` — the shared interface (LangChain ``Embeddings``
  plus ``encode``, ``warm_up``, ``name``);
* :class:`~index.embeddings.torch_backend.Embedder` — all-MiniLM-L6-v2 on sentence-transformers;
* :class:`~index.embeddings.onnx_backend.OnnxEmbedder` — the same model as int8 ONNX, no torch;
* :class:`~index.embeddings.http_backend.HttpEmbedder` — an OpenAI-compatible embeddings
  server (``NEWSDESK_EMBEDDING_URL``; the model name sent is ``NEWSDESK_EMBEDDING_MODEL``).

Build one with :func:`make_embedder` (``NEWSDESK_EMBEDDING_BACKEND``): ingest, answering,
serving, uploads and eval all do, so a store is only ever written with one backend's vectors.
A new backend is a subclass of ``BaseEmbedder`` with its own ``name`` (see docs/design.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.embeddings.base import (
    EMBEDDING_DIM,
    MODEL_NAME,
    BaseEmbedder,
    ModelMissingError,
    bundled_model_path,
    length_sorted_batches,
)
from index.embeddings.torch_backend import Embedder

if TYPE_CHECKING:
    from index.settings import Settings

__all__ = [
    "EMBEDDING_DIM",
    "MODEL_NAME",
    "BaseEmbedder",
    "Embedder",
    "ModelMissingError",
    "bundled_model_path",
    "length_sorted_batches",
    "make_embedder",
]


def make_embedder(settings: Settings, threads: int | None = None) -> BaseEmbedder:
    """The embedder the settings ask for: a server (``embedding_url``), else
    ``embedding_backend`` (``torch`` or ``onnx``).

    ``threads=None`` takes ``settings.torch_threads`` (serving); 0 uses every core (ingest).
    """
    n = settings.torch_threads if threads is None else threads
    if settings.embedding_url:
        from index.embeddings.http_backend import HttpEmbedder

        key = settings.embedding_api_key
        return HttpEmbedder(
            settings.embedding_url,
            settings.embedding_model,
            api_key=key.get_secret_value() if key else None,
            timeout_s=settings.embedding_timeout_s,
            batch_size=settings.embed_batch_size,
        )
    if settings.embedding_backend == "onnx":
        from index.embeddings.onnx_backend import OnnxEmbedder

        return OnnxEmbedder(threads=n, batch_size=settings.embed_batch_size)
    return Embedder(threads=n, batch_size=settings.embed_batch_size)
