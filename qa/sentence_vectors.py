"""Dense sentence match: how close a chunk's closest sentence comes to the question in meaning.

The retriever's rerank scores each candidate by its best *lexical* sentence match. A question
asked in other words ("Syria's biggest city" for Aleppo, "Paris's envoy" for the French
ambassador) matches no sentence well on words, and then the embedding model, which was trained
on sentence pairs, is the better judge of which sentence it asks about. Sentence vectors are
made on first use and kept in a bounded in-memory cache keyed by the sentence text, so a
collection's sentences are embedded once per process.

Example::

    match = SentenceMatch(embedder)
    scores = match.best(question_vector, ["Chunk one. Two.", "Another chunk."])
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from index.embeddings import BaseEmbedder
from index.sentences import split_sentences

#: Sentences kept (384 floats each: ~1.5 KB, so ~30 MB at the default).
CACHE_SENTENCES = 20_000


class SentenceMatch:
    """Best cosine similarity between a question vector and the sentences of each text."""

    def __init__(self, embedder: BaseEmbedder, capacity: int = CACHE_SENTENCES) -> None:
        """``capacity``: most sentence vectors kept (least recently used go first)."""
        self.embedder = embedder
        self.capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def best(self, vector: Sequence[float], texts: Sequence[str]) -> list[float]:
        """For each text, the cosine similarity of its closest sentence to ``vector``."""
        sentences = [[t[s:e] for s, e in split_sentences(t)] or [t] for t in texts]
        vectors = self._vectors([s for group in sentences for s in group])
        q = np.asarray(vector, dtype=np.float32)
        return [float(max(vectors[s] @ q for s in group)) for group in sentences]

    def _vectors(self, sentences: list[str]) -> dict[str, np.ndarray]:
        with self._lock:
            missing = list(dict.fromkeys(s for s in sentences if s not in self._cache))
        fresh = self.embedder.encode(missing) if missing else []
        with self._lock:
            for s, v in zip(missing, fresh, strict=True):
                self._cache[s] = np.asarray(v, dtype=np.float32)
            out = {}
            for s in sentences:
                self._cache.move_to_end(s)
                out[s] = self._cache[s]
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return out
