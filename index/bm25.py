"""A persisted BM25 index (bm25s) over the chunks of a collection.

Each chunk is indexed with its article's title, publisher and date in front of its text:
on news, questions name sources and dates, and lexical matching on them carries much of the
signal. The index is saved under the cache dir together with the store fingerprint it was
built from; :func:`load_or_build` rebuilds it only when the collection has changed.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.store import Store

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "she",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "which",
        "who",
        "whom",
        "will",
        "with",
        "you",
        "your",
        "did",
        "does",
        "do",
        "what",
        "when",
        "where",
        "why",
        "how",
        "than",
        "then",
        "there",
        "these",
        "those",
        "been",
        "being",
        "had",
        "would",
        "could",
        "should",
        "about",
        "after",
        "before",
        "also",
        "any",
    ]
)
_MONTH_NAMES = [
    "", "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
]  # fmt: skip


# Bump when tokenization changes: saved indexes built with another version are rebuilt.
TOKENIZER_VERSION = "3-snowball-idf"


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize_words(text: str) -> list[str]:
    """Lowercase word tokens without stopwords or possessive endings, not stemmed.

    >>> tokenize_words("Russia's UN envoy intervened")
    ['russia', 'un', 'envoy', 'intervened']
    """
    tokens = []
    for tok in _TOKEN.findall(text.lower().replace("’", "'")):
        tok = tok.removesuffix("'s").replace("'", "")
        if tok and tok not in STOPWORDS:
            tokens.append(tok)
    return tokens


def tokenize(text: str) -> list[str]:
    """Lowercase, stemmed word tokens without stopwords or possessive endings.

    >>> tokenize("Russia's UN envoy intervened, Vitaly Churkin said")
    ['russia', 'un', 'envoy', 'interven', 'vitali', 'churkin', 'said']
    """
    return list(_stemmer().stemWords(tokenize_words(text)))


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """The Snowball stem of one lowercase word ("warned" → "warn").

    >>> stem("warned"), stem("warn")
    ('warn', 'warn')
    """
    return str(_stemmer().stemWord(word))


def date_words(iso: str) -> str:
    """'2023-10-05' → 'October 5 2023 2023-10-05' so questions that name dates can match."""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    if not m:
        return ""
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return f"{_MONTH_NAMES[month]} {day} {year}"


def bm25_text(text: str, meta: dict[str, Any]) -> str:
    """The text indexed for a chunk: title, publisher, date words, then the passage."""
    return " ".join(
        str(part)
        for part in (
            meta.get("title", ""),
            meta.get("publisher", ""),
            date_words(str(meta.get("published_at", ""))),
            text,
        )
        if part
    )


@dataclass
class BM25Index:
    """BM25 scores over the chunks of one collection, with their ids and metadata."""

    fingerprint: str
    chunk_ids: list[str]
    metas: list[dict[str, Any]]
    texts: list[str]
    model: Any  # bm25s.BM25
    idf: dict[str, float] = field(default_factory=dict)  # of passage tokens, for reranking

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no term matches)."""
        return self.token_scores(tokenize(query))

    def token_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for already-tokenized query terms (unknown ones skipped)."""
        known = [t for t in tokens if t in self.model.vocab_dict]
        if not known:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        return np.asarray(self.model.get_scores(known), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.chunk_ids)


def build(store: Store) -> BM25Index:
    """Index every chunk of every complete article in the store."""
    import bm25s

    fingerprint = store.fingerprint() + TOKENIZER_VERSION
    complete = set(store.doc_ids())
    ids, metas, texts, corpus = [], [], [], []
    for chunk_id, text, meta in store.iter_chunks():
        if meta.get("doc_id") in complete:
            ids.append(chunk_id)
            metas.append(meta)
            texts.append(text)
            corpus.append(tokenize(bm25_text(text, meta)) or ["∅"])
    model = bm25s.BM25(k1=1.2, b=0.75)
    if corpus:
        model.index(corpus, show_progress=False)
    df: Counter[str] = Counter()
    for tokens in corpus:
        df.update(set(tokens))
    n = len(corpus)
    idf = {w: round(math.log(1 + (n - c + 0.5) / (c + 0.5)), 4) for w, c in df.items()}
    return BM25Index(fingerprint, ids, metas, texts, model, idf)


def save(index: BM25Index, directory: Path) -> None:
    """Write the index atomically (to a temp dir, then rename)."""
    tmp = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if index.chunk_ids:
        index.model.save(str(tmp / "bm25"))
    (tmp / "chunks.json").write_text(
        json.dumps(
            {
                "fingerprint": index.fingerprint,
                "ids": index.chunk_ids,
                "metas": index.metas,
                "texts": index.texts,
                "idf": index.idf,
            }
        ),
        encoding="utf-8",
    )
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    tmp.rename(directory)
    shutil.rmtree(old, ignore_errors=True)


def load(directory: Path) -> BM25Index | None:
    """Read a saved index, or None if it is missing or unreadable."""
    import bm25s

    try:
        data = json.loads((directory / "chunks.json").read_text(encoding="utf-8"))
        model = bm25s.BM25.load(str(directory / "bm25")) if data["ids"] else bm25s.BM25()
    except (OSError, ValueError, KeyError):
        return None
    return BM25Index(
        data["fingerprint"], data["ids"], data["metas"], data["texts"], model, data.get("idf", {})
    )


_lock = threading.Lock()


def load_or_build(store: Store) -> BM25Index:
    """The BM25 index for the store's current contents: loaded if fresh, else rebuilt and saved."""
    directory = store.settings.cache_dir / "bm25" / store.settings.collection
    with _lock:
        fingerprint = store.fingerprint() + TOKENIZER_VERSION
        index = load(directory)
        if index is None or index.fingerprint != fingerprint:
            index = build(store)
            directory.parent.mkdir(parents=True, exist_ok=True)
            save(index, directory)
        return index
