"""A BM25 index kept in step with a (possibly shared) store through the store's change log.

Several ``newsdesk serve`` replicas can share one Chroma server; each keeps its own lexical
index (Chroma offers no BM25 outside its cloud). :class:`LiveIndex` keeps it fresh by design,
not by re-reading the store:

* a freshness check is one cheap call (``Store.log_position``: the log's id and size);
* catching up reads only the change records not yet seen, fetches the chunks of the articles
  added (by article id) and drops the rows of those deleted; the bm25s model is re-fitted from
  the token lists already in memory (nothing is re-read or re-tokenized) and the new
  :class:`~index.bm25.BM25Index` is swapped in with one assignment;
* a background thread does this every ``refresh_s`` seconds, so a question never waits for it;
  questions keep using the previous index until the new one is ready.

A rebuilt store (new log id) or a shrunken log makes it start over with a full build.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from index import bm25
from index.store import Store

log = logging.getLogger(__name__)


@dataclass
class _Corpus:
    """The rows of the lexical index: chunk ids, metadata, texts, tokens and document freqs."""

    ids: list[str] = field(default_factory=list)
    metas: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    tokens: list[list[str]] = field(default_factory=list)
    df: Counter[str] = field(default_factory=Counter)

    def docs(self) -> set[str]:
        """Article ids with rows in the corpus."""
        return {str(m.get("doc_id")) for m in self.metas}

    def add(self, chunk_id: str, text: str, meta: dict[str, Any]) -> None:
        """Append one chunk (tokenized with its title, publisher and date)."""
        tokens = bm25.tokenize(bm25.bm25_text(text, meta)) or ["∅"]
        self.ids.append(chunk_id)
        self.metas.append(meta)
        self.texts.append(text)
        self.tokens.append(tokens)
        self.df.update(set(tokens))

    def drop(self, doc_ids: set[str]) -> int:
        """Remove the rows of these articles; returns how many rows went."""
        keep = [i for i, m in enumerate(self.metas) if m.get("doc_id") not in doc_ids]
        gone = len(self.ids) - len(keep)
        if gone:
            for i, m in enumerate(self.metas):
                if m.get("doc_id") in doc_ids:
                    self.df.subtract(set(self.tokens[i]))
            self.df = +self.df  # drop zero counts
            self.ids = [self.ids[i] for i in keep]
            self.metas = [self.metas[i] for i in keep]
            self.texts = [self.texts[i] for i in keep]
            self.tokens = [self.tokens[i] for i in keep]
        return gone

    def to_index(self, fingerprint: str) -> bm25.BM25Index:
        """A searchable index over the current rows (bm25s re-fitted from the stored tokens)."""
        import bm25s

        model = bm25s.BM25(k1=1.2, b=0.75)
        if self.tokens:
            model.index(self.tokens, show_progress=False)
        n = len(self.tokens)
        idf = {
            w: round(math.log(1 + (n - c + 0.5) / (c + 0.5)), 4) for w, c in self.df.items()
        }
        return bm25.BM25Index(fingerprint, list(self.ids), list(self.metas), list(self.texts),
                              model, idf)  # fmt: skip


class LiveIndex:
    """The store's BM25 index, caught up from the change log in the background."""

    def __init__(self, store: Store, refresh_s: float = 10.0) -> None:
        """``refresh_s``: seconds between freshness checks (``NEWSDESK_REFRESH_S``)."""
        self.store = store
        self.refresh_s = refresh_s
        self._index: bm25.BM25Index | None = None
        self._corpus: _Corpus | None = None
        self._log_id = ""
        self._seen = 0
        self._work = threading.Lock()  # one catch-up at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    # -- reading --------------------------------------------------------------------------

    def current(self) -> bm25.BM25Index:
        """The newest complete index (built on the first call; never waits after that)."""
        if self._index is None:
            with self._work:
                if self._index is None:
                    self._start()
            self._run_in_background()
        assert self._index is not None
        return self._index

    def is_fresh(self) -> bool:
        """O(1): True when no change was logged since the index was built."""
        return self.store.log_position() == (self._log_id, self._seen)

    # -- catching up ----------------------------------------------------------------------

    def catch_up(self) -> int:
        """Apply the changes logged since the last call; returns how many records were read.

        Safe to call from any thread; questions keep the old index until the swap.
        """
        with self._work:
            if self._index is None:
                self._start()
                return 0
            log_id, size = self.store.log_position()
            if log_id != self._log_id or size < self._seen:  # rebuilt store: start over
                self._full_build()
                return size
            if size == self._seen:
                return 0
            changes = self.store.changes_since(self._seen)
            self._apply(changes)
            return len(changes)

    def _apply(self, changes: list[tuple[str, str]]) -> None:
        last: dict[str, str] = {}
        for op, doc_id in changes:  # the last record of an article decides
            last[doc_id] = op
        corpus = self._tokens()
        have = corpus.docs()
        wanted = [d for d, op in last.items() if op == "add" and d not in have]
        present = self.store.existing_docs(wanted) if wanted else set()
        gone = {d for d, op in last.items() if op == "del"}
        corpus.drop(gone & have)
        for chunk_id, text, meta in self.store.chunks_of(sorted(present)):
            corpus.add(chunk_id, text, meta)
        self._seen += len(changes)
        self._swap(corpus)

    def _start(self) -> None:
        """First index: the saved one when it matches the log, else a full build."""
        self._log_id, self._seen = self.store.log_position()
        saved = bm25.load(_directory(self.store))
        if saved is not None and saved.fingerprint == self._fingerprint():
            self._index = saved  # tokens are recomputed lazily, on the first catch-up
            return
        self._full_build()

    def _full_build(self) -> None:
        self._log_id, self._seen = self.store.log_position()
        complete = set(self.store.doc_ids())
        corpus = _Corpus()
        for chunk_id, text, meta in self.store.iter_chunks():
            if meta.get("doc_id") in complete:
                corpus.add(chunk_id, text, meta)
        self._swap(corpus)
        self._save()

    def _tokens(self) -> _Corpus:
        """The in-memory corpus (rebuilt from the loaded index's texts when started from disk)."""
        if self._corpus is None:
            corpus = _Corpus()
            index = self._index
            assert index is not None
            for chunk_id, text, meta in zip(index.chunk_ids, index.texts, index.metas, strict=True):
                corpus.add(chunk_id, text, meta)
            self._corpus = corpus
        return self._corpus

    def _swap(self, corpus: _Corpus) -> None:
        self._corpus = corpus
        self._index = corpus.to_index(self._fingerprint())

    def _fingerprint(self) -> str:
        return f"log:{self._log_id}:{self._seen}:{bm25.TOKENIZER_VERSION}"

    def _save(self) -> None:
        if self._index is not None:
            directory = _directory(self.store)
            directory.parent.mkdir(parents=True, exist_ok=True)
            bm25.save(self._index, directory)

    # -- background -----------------------------------------------------------------------

    def _run_in_background(self) -> None:
        if self._thread is None and self.refresh_s > 0:
            self._thread = threading.Thread(target=self._loop, name="newsdesk-refresh", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        last_save = time.monotonic()
        while not self._stop.wait(self.refresh_s):
            try:
                if self.catch_up() and time.monotonic() - last_save > 60:
                    with self._work:
                        self._save()  # so a restart starts from a recent index
                    last_save = time.monotonic()
                self.last_error = None
            except Exception as exc:  # the store is down: keep answering from the old index
                self.last_error = f"{type(exc).__name__}: {exc}"[:200]
                log.warning("index refresh failed (will retry): %s", self.last_error)

    def close(self) -> None:
        """Stop the background thread."""
        self._stop.set()


def _directory(store: Store) -> Any:
    return store.settings.cache_dir / "bm25" / store.settings.collection
