"""Dense (Chroma) search restricted to a subset of chunks, without Chroma's metadata filter.

Chroma answers a ``where``-filtered query by scanning its metadata table first: 25–90 ms at
100k chunks here, against under 1 ms unfiltered (BENCHMARKS.md). The retriever already holds
every chunk's publisher, date and article in memory, so it knows the allowed rows; this module
turns that mask into the cheapest exact-enough Chroma call:

* a large share of the store allowed → over-fetch unfiltered and keep the allowed ids (the
  allowed ids among the global top-n are the top allowed ones);
* a few hundred rows or fewer → fetch their vectors and rank them exactly;
* otherwise → a query restricted to the allowed ``ids``.

Example::

    ids = dense_ids(store, vector, depth=50, chunk_ids=index.chunk_ids, mask=mask)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np


class ChunkVectors(Protocol):
    """What dense search needs from the store (:class:`index.store.Store` has both)."""

    def nearest(
        self, vector: Sequence[float], n: int, *, ids: Sequence[str] | None = None
    ) -> list[str]: ...

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> dict[str, Any]: ...


#: At or below this many allowed chunks, rank their vectors exactly in numpy.
#: (Speed thresholds, measured by ``newsdesk dev bench --only retrieval`` on synthetic stores:
#: they trade latency against HNSW approximation and were not tuned on gold questions.)
EXACT_MAX = 300
#: Over-fetch unfiltered when the allowed share is at least this (n ≤ 2·depth/share).
OVERFETCH_MIN_SHARE = 0.05


def dense_ids(
    store: ChunkVectors,
    vector: Sequence[float],
    depth: int,
    chunk_ids: Sequence[str],
    mask: np.ndarray | None = None,
) -> list[str]:
    """Ids of the ``depth`` chunks nearest to ``vector`` among the rows where ``mask`` is set.

    ``chunk_ids[i]`` is the id of row ``i``; ``mask=None`` means every row is allowed.
    """
    total = len(chunk_ids)
    allowed = total if mask is None else int(mask.sum())
    if allowed == 0 or depth <= 0:
        return []
    depth = min(depth, allowed)
    if mask is None or allowed == total:
        return store.nearest(vector, depth)
    rows = np.flatnonzero(mask).tolist()
    if allowed <= EXACT_MAX:
        return _exact(store, vector, [chunk_ids[i] for i in rows], depth)
    share = allowed / total
    if share >= OVERFETCH_MIN_SHARE:
        n = min(total, math.ceil(2 * depth / share))
        keep = {chunk_ids[i] for i in rows}
        found = [cid for cid in store.nearest(vector, n) if cid in keep]
        if len(found) >= depth or n >= total:
            return found[:depth]
    return store.nearest(vector, depth, ids=[chunk_ids[i] for i in rows])


def _exact(store: ChunkVectors, vector: Sequence[float], ids: list[str], depth: int) -> list[str]:
    found = store.chunk_vectors(ids)
    if not found:
        return []
    ordered = list(found)
    matrix = np.asarray([found[i] for i in ordered], dtype=np.float32)
    scores = matrix @ np.asarray(vector, dtype=np.float32)  # vectors are normalized: cosine
    order = np.argsort(-scores, kind="stable")[:depth]
    return [ordered[i] for i in order]
