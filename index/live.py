"""A BM25 index kept in step with a (possibly shared) store through the store's change log.

Several ``newsdesk serve`` replicas can share one Chroma server; each keeps its own lexical
index (Chroma offers no BM25 outside its cloud). :class:`LiveIndex` keeps it fresh by design,
not by re-reading the store:

* a freshness check is one cheap call (``Store.log_position``: the log's id and size);
* catching up reads only the change records not yet seen, fetches the chunks of the articles
  added (by article id), appends their postings to an incremental inverted index
  (:mod:`index.postings`, bm25s' scoring without its full re-fit) and tombstones the rows of
  articles deleted; the new :class:`~index.bm25.BM25Index` view is swapped in with one
  assignment (tombstones are compacted away once they are a quarter of the rows);
* a background thread does this every ``refresh_s`` seconds, so a question never waits for it;
  questions keep using the previous index until the new one is ready.

A rebuilt store (new log id) or a shrunken log makes it start over with a full build.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index import bm25
from index.postings import IdfView, Postings, Snapshot
from index.store import Store

log = logging.getLogger(__name__)
_FORMAT = "ids-1"  # bump when the saved corpus changes shape


@dataclass
class LiveBM25(bm25.BM25Index):
    """A :class:`~index.bm25.BM25Index` scored by an incremental inverted index snapshot.

    Its rows are the live ones: rows of deleted articles (tombstoned in the postings until the
    next compaction) are left out of ``chunk_ids``, ``metas``, ``texts`` and ``scores``.
    """

    snapshot: Snapshot | None = None
    rows: np.ndarray | None = None  # the snapshot's live rows, when some are tombstoned

    def token_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every row for query tokens (equal to bm25s' on the same corpus)."""
        assert self.snapshot is not None
        scores = self.snapshot.scores(tokens)
        return scores if self.rows is None else scores[self.rows]


@dataclass
class _Corpus:
    """The rows of the lexical index: ids, metadata, texts and tokens, plus their postings."""

    ids: list[str] = field(default_factory=list)
    metas: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    tokens: list[np.ndarray] = field(default_factory=list)  # term ids of each row
    rows_of: dict[str, list[int]] = field(default_factory=dict)  # live rows per article
    postings: Postings = field(default_factory=Postings)

    def docs(self) -> set[str]:
        """Article ids with live rows."""
        return set(self.rows_of)

    def add(self, records: Iterable[tuple[str, str, dict[str, Any]]]) -> int:
        """Append chunks (tokenized with title, publisher and date); returns how many."""
        new_tokens = []
        for chunk_id, text, meta in records:
            self.rows_of.setdefault(str(meta.get("doc_id")), []).append(len(self.ids))
            self.ids.append(chunk_id)
            self.metas.append(meta)
            self.texts.append(text)
            new_tokens.append(bm25.tokenize(bm25.bm25_text(text, meta)) or ["∅"])
        self.tokens.extend(self.postings.add(new_tokens))
        return len(new_tokens)

    def drop(self, doc_ids: set[str]) -> int:
        """Tombstone the rows of these articles; returns how many rows went."""
        rows = [r for d in doc_ids for r in self.rows_of.pop(d, [])]
        self.postings.remove(rows, [self.tokens[r] for r in rows])
        return len(rows)

    def compacted(self) -> _Corpus:
        """This corpus, or a copy without tombstoned rows once they are a quarter of it."""
        if self.postings.dead * 4 < max(1, self.postings.n_rows):
            return self
        live = sorted(r for rows in self.rows_of.values() for r in rows)
        out = _Corpus(postings=self.postings.empty_copy())
        for r in live:
            out.rows_of.setdefault(str(self.metas[r].get("doc_id")), []).append(len(out.ids))
            out.ids.append(self.ids[r])
            out.metas.append(self.metas[r])
            out.texts.append(self.texts[r])
            out.tokens.append(self.tokens[r])
        out.postings.add_ids(out.tokens)
        return out

    def to_index(self, fingerprint: str) -> LiveBM25:
        """A searchable index over the current rows; later changes do not affect it."""
        snap = self.postings.snapshot()
        idf = IdfView(snap)
        if snap.n_docs == snap.n_rows:
            return LiveBM25(fingerprint, list(self.ids), list(self.metas), list(self.texts),
                            None, idf, snapshot=snap)  # type: ignore[arg-type]  # fmt: skip
        rows = np.flatnonzero(snap.alive)
        return LiveBM25(fingerprint, [self.ids[r] for r in rows], [self.metas[r] for r in rows],
                        [self.texts[r] for r in rows], None, idf, snapshot=snap,  # type: ignore[arg-type]
                        rows=rows)  # fmt: skip


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
            if self._index is None or self._corpus is None:
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
        corpus = self._corpus
        assert corpus is not None
        have = corpus.docs()
        wanted = [d for d, op in last.items() if op == "add" and d not in have]
        present = self.store.existing_docs(wanted) if wanted else set()
        corpus.drop({d for d, op in last.items() if op == "del"} & have)
        corpus.add(self.store.chunks_of(sorted(present)))
        self._seen += len(changes)
        self._swap(corpus.compacted())

    def _start(self) -> None:
        """First index: the saved one when it matches the log, else a full build."""
        self._log_id, self._seen = self.store.log_position()
        saved = _load(_path(self.store), self._fingerprint())
        if saved is not None:
            self._swap(saved)
            return
        self._full_build()

    def _full_build(self) -> None:
        self._log_id, self._seen = self.store.log_position()
        complete = set(self.store.doc_ids())
        corpus = _Corpus()
        corpus.add(r for r in self.store.iter_chunks() if r[2].get("doc_id") in complete)
        self._swap(corpus)
        self._save()

    def _swap(self, corpus: _Corpus) -> None:
        self._corpus = corpus
        self._index = corpus.to_index(self._fingerprint())

    def _fingerprint(self) -> str:
        return f"log:{self._log_id}:{self._seen}:{bm25.TOKENIZER_VERSION}:{_FORMAT}"

    def _save(self) -> None:
        if self._corpus is not None:
            _dump(self._corpus, self._fingerprint(), _path(self.store))

    # -- background -----------------------------------------------------------------------

    def _run_in_background(self) -> None:
        if self._thread is None and self.refresh_s > 0:
            args = (weakref.ref(self), self._stop, self.refresh_s)
            self._thread = threading.Thread(
                target=_follow, args=args, name="newsdesk-refresh", daemon=True
            )
            self._thread.start()

    def _tick(self, last_save: float) -> float:
        """One background round: catch up, save now and then; returns the last save time."""
        try:
            if self.catch_up() and time.monotonic() - last_save > 60:
                with self._work:
                    self._save()  # so a restart starts from a recent index
                last_save = time.monotonic()
            self.last_error = None
        except Exception as exc:  # the store is down: keep answering from the old index
            self.last_error = f"{type(exc).__name__}: {exc}"[:200]
            log.warning("index refresh failed (will retry): %s", self.last_error)
        return last_save

    def close(self) -> None:
        """Stop the background thread."""
        self._stop.set()


def _follow(ref: weakref.ReferenceType[LiveIndex], stop: threading.Event, every_s: float) -> None:
    """The background thread: tick until stopped or until the index is garbage-collected."""
    last_save = time.monotonic()
    while not stop.wait(every_s):
        live = ref()
        if live is None:
            return
        last_save = live._tick(last_save)
        del live


def _path(store: Store) -> Path:
    return store.settings.cache_dir / "bm25-live" / f"{store.settings.collection}.pickle"


def _dump(corpus: _Corpus, fingerprint: str, path: Path) -> None:
    """Write the corpus atomically (temp file, then rename); our own cache file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as f:
        pickle.dump((fingerprint, corpus), f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def _load(path: Path, fingerprint: str) -> _Corpus | None:
    """The saved corpus when it was saved at this log position, else None."""
    try:
        with path.open("rb") as f:
            saved, corpus = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, AttributeError):
        return None
    return corpus if saved == fingerprint and isinstance(corpus, _Corpus) else None
