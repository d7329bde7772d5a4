"""Embeddings from an OpenAI-compatible ``/v1/embeddings`` server (Infinity, TEI, vLLM, OpenAI).

Selected by ``NEWSDESK_EMBEDDING_URL``; the model name sent (``NEWSDESK_EMBEDDING_MODEL``) is
also the name recorded in the store, so a store built from a server's vectors is refused by a
process configured with another model, exactly as with the in-process backends. Vectors are
L2-normalized here (servers differ on that), and their dimension is checked on every call.
"""

from __future__ import annotations

import math
from typing import Any

from index.embeddings.base import BaseEmbedder
from index.errors import NewsdeskError


class EmbeddingServerError(NewsdeskError, RuntimeError):
    """The embeddings server failed or answered something unusable; the message says why."""


class HttpEmbedder(BaseEmbedder):
    """Embeddings computed by a remote OpenAI-compatible server, one request per batch."""

    forward_batch = 64

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        batch_size: int = 64,
    ) -> None:
        """``base_url`` ends before ``/embeddings`` (``http://host:port/v1``)."""
        super().__init__(threads=1, batch_size=batch_size)
        import httpx

        self.url = base_url.rstrip("/") + "/embeddings"
        self.name = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout_s, headers=headers)
        self.dim: int | None = None

    def _embed(self, batch: list[str], threads: int) -> list[list[float]]:
        """One request to the server (``threads`` is the server's business)."""
        import httpx

        try:
            resp = self._client.post(self.url, json={"model": self.name, "input": batch})
        except httpx.HTTPError as exc:
            raise EmbeddingServerError(
                f"cannot reach the embeddings server at {self.url} ({type(exc).__name__}): "
                "start it or unset NEWSDESK_EMBEDDING_URL"
            ) from None
        if resp.status_code != 200:
            raise EmbeddingServerError(
                f"the embeddings server at {self.url} answered {resp.status_code} "
                f"({resp.text[:120].strip()}): check NEWSDESK_EMBEDDING_MODEL and the key"
            )
        return self._vectors(resp.json(), len(batch))

    def _vectors(self, body: Any, n: int) -> list[list[float]]:
        try:
            rows = sorted(body["data"], key=lambda r: r["index"])
            vectors = [[float(x) for x in r["embedding"]] for r in rows]
        except (KeyError, TypeError, ValueError):
            raise EmbeddingServerError(
                f"the embeddings server at {self.url} did not answer in the OpenAI format"
            ) from None
        if len(vectors) != n:
            raise EmbeddingServerError(
                f"the embeddings server at {self.url} returned {len(vectors)} vectors for {n} texts"
            )
        for v in vectors:
            if self.dim is None:
                self.dim = len(v)
            if len(v) != self.dim:
                raise EmbeddingServerError(
                    f"the embeddings server at {self.url} returned vectors of {len(v)} and "
                    f"{self.dim} dimensions"
                )
        return [_normalized(v) for v in vectors]

    def warm_up(self) -> None:
        """Check the server answers (one tiny request)."""
        self.encode(["warm up"])


def _normalized(v: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in v)) or 1.0
    return [x / norm for x in v]
