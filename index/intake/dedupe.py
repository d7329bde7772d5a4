"""Wire copies: the same story republished at several URLs, found by MinHash/LSH (datasketch).

An article's body (its title line left out: outlets rewrite headlines) becomes a set of word
``SHINGLE``-grams; 128 MinHash permutations estimate the Jaccard similarity of two such sets,
and an LSH index finds the candidates without comparing every pair. A new article whose best
candidate's estimated similarity is at least :data:`THRESHOLD` joins that article's story;
otherwise it starts its own. Each copy is kept; retrieval shows one passage per story with
the others as ``also_in`` (``qa/copies.py``).

``THRESHOLD`` and ``SHINGLE`` were measured, not guessed: ``eval/bench/intake.py`` builds a
labelled set of wire copies and hard negatives from the MultiHop-RAG corpus and sweeps them
(BENCHMARKS.md, "News intake").

Example:
    >>> text = "Title\\n\\n" + " ".join(f"word{i}" for i in range(200))
    >>> copy = text.replace("word7 ", "changed ") + " Copyright The Agency."
    >>> round(similarity(signature(text), signature(copy)), 1) >= THRESHOLD
    True
    >>> similarity(from_bytes(to_bytes(signature(text))), signature(text))
    1.0
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np

NUM_PERM = 128
SCHEME = "affine32"  # datasketch's permutation scheme; stored signatures are read back with it
SHINGLE = 5  # words per shingle
THRESHOLD = 0.4  # estimated Jaccard at or above which two articles are one story (measured)
_WORD = re.compile(r"\w+", re.UNICODE)


def body_of(text: str) -> str:
    """The article text without its first line (the title)."""
    head, _, rest = text.strip().partition("\n")
    return rest if rest.strip() else head


def shingles(text: str, k: int = SHINGLE) -> set[bytes]:
    """Word k-grams of the lower-cased text (the whole text when shorter than k words)."""
    words = _WORD.findall(text.lower())
    if len(words) < k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)}


def signature(text: str, k: int = SHINGLE, body_only: bool = True) -> object:
    """The MinHash of an article's shingles (``datasketch.MinHash``)."""
    from datasketch import MinHash

    mh = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    grams = shingles(body_of(text) if body_only else text, k)
    if grams:
        mh.update_batch(list(grams))
    return mh


def similarity(a: object, b: object) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(a.jaccard(b))  # type: ignore[attr-defined]


def to_bytes(mh: object) -> bytes:
    """A signature as bytes (for the database)."""
    return np.asarray(mh.hashvalues, dtype=np.uint64).tobytes()  # type: ignore[attr-defined]


def from_bytes(data: bytes) -> object:
    """The signature :func:`to_bytes` stored."""
    from datasketch import MinHash

    values = np.frombuffer(data, dtype=np.uint64).astype(np.uint32)
    return MinHash(num_perm=NUM_PERM, seed=1, hashvalues=values, scheme=SCHEME)


@dataclass
class Match:
    """The closest known article to a new one."""

    key: str
    story: str
    similarity: float


class CopyIndex:
    """Known articles' signatures in an LSH index: which story does a new article belong to?"""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        # Candidates come from a looser LSH band; each is then checked against the threshold.
        self._lsh = MinHashLSH(threshold=max(0.1, threshold - 0.1), num_perm=NUM_PERM)
        self._sigs: dict[str, object] = {}
        self._story: dict[str, str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sigs)

    def add(self, key: str, mh: object, story: str) -> None:
        """Index an article (``key``, e.g. its URL) as part of ``story`` (replaces an old entry)."""
        with self._lock:
            if key in self._sigs:
                self._lsh.remove(key)
            self._lsh.insert(key, mh)
            self._sigs[key] = mh
            self._story[key] = story

    def remove(self, key: str) -> None:
        """Forget an article."""
        with self._lock:
            if key in self._sigs:
                self._lsh.remove(key)
                del self._sigs[key]
                del self._story[key]

    def best(self, mh: object, exclude: str = "") -> Match | None:
        """The most similar known article at or above the threshold (not ``exclude``)."""
        with self._lock:
            found = None
            for key in self._lsh.query(mh):
                if key == exclude:
                    continue
                score = similarity(mh, self._sigs[key])
                if score >= self.threshold and (found is None or score > found.similarity):
                    found = Match(key, self._story[key], score)
            return found

    def members(self, story: str) -> list[str]:
        """Keys of the articles of one story."""
        with self._lock:
            return [k for k, s in self._story.items() if s == story]
