"""A persistent cache of chunk embeddings, keyed by a hash of the model name and the text.

Re-ingesting after ``--rebuild``, a change of chunking that leaves most chunks as they were,
or the same article in another file then embeds only texts never embedded before. It is one
SQLite file (stdlib ``sqlite3``) under ``settings.cache_dir``: key = sha256(model name, text),
value = the float32 vector's bytes. WAL mode, a busy timeout and short transactions make it
safe for several processes (CLI ingests, the app's uploads) at once; a damaged or unwritable
cache is bypassed with a warning, never fatal.

Example:
    >>> import tempfile, pathlib
    >>> cache = EmbeddingCache(pathlib.Path(tempfile.mkdtemp()) / "emb.sqlite")
    >>> cache.put_many("m", ["hello"], [[0.5, 0.25]])
    >>> cache.get_many("m", ["hello", "other"])
    [[0.5, 0.25], None]
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from index.embeddings import BaseEmbedder
    from index.settings import Settings

log = logging.getLogger(__name__)

FILENAME = "embeddings.sqlite"
_PARAMS = 500  # keys per SELECT (well under SQLite's variable limit)


def cache_key(model: str, text: str) -> bytes:
    """sha256 of the model name and the text (32 bytes)."""
    return hashlib.sha256(
        model.encode("utf-8") + b"\x00" + text.encode("utf-8", "surrogatepass")
    ).digest()


class EmbeddingCache:
    """Vectors by (model, text) in one SQLite file; thread- and process-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._broken = False

    @classmethod
    def for_settings(cls, settings: Settings) -> EmbeddingCache | None:
        """The cache under ``settings.cache_dir``, or None when ``embed_cache`` is off."""
        return cls(settings.cache_dir / FILENAME) if settings.embed_cache else None

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is None and not self._broken:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    self.path, timeout=30.0, isolation_level=None, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS embeddings "
                    "(key BLOB PRIMARY KEY, vector BLOB NOT NULL) WITHOUT ROWID"
                )
                self._conn = conn
            except (sqlite3.Error, OSError) as exc:
                self._disable(exc)
        return self._conn

    def _disable(self, exc: BaseException) -> None:
        log.warning("embedding cache %s unusable (%s): embedding without it", self.path, exc)
        self._broken = True
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def get_many(self, model: str, texts: Sequence[str]) -> list[list[float] | None]:
        """The cached vector of each text, or None where there is none."""
        keys = [cache_key(model, t) for t in texts]
        found: dict[bytes, bytes] = {}
        with self._lock:
            conn = self._connect()
            if conn is None:
                return [None] * len(texts)
            try:
                for i in range(0, len(keys), _PARAMS):
                    part = keys[i : i + _PARAMS]
                    marks = ",".join("?" * len(part))
                    found.update(
                        conn.execute(
                            f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", part
                        ).fetchall()
                    )
            except sqlite3.Error as exc:
                self._disable(exc)
                return [None] * len(texts)
        return [
            np.frombuffer(found[k], dtype=np.float32).tolist() if k in found else None for k in keys
        ]

    def put_many(
        self, model: str, texts: Sequence[str], vectors: Sequence[Sequence[float]]
    ) -> None:
        """Store vectors (one short transaction; existing keys are left as they are)."""
        rows = [
            (cache_key(model, t), np.asarray(v, dtype=np.float32).tobytes())
            for t, v in zip(texts, vectors, strict=True)
        ]
        if not rows:
            return
        with self._lock:
            conn = self._connect()
            if conn is None:
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR IGNORE INTO embeddings VALUES (?, ?)", rows)
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                self._disable(exc)

    def __len__(self) -> int:
        with self._lock:
            conn = self._connect()
            if conn is None:
                return 0
            return int(conn.execute("SELECT count(*) FROM embeddings").fetchone()[0])

    def close(self) -> None:
        """Close the connection (reopened on next use)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None


def encode_cached(
    embedder: BaseEmbedder,
    texts: Sequence[str],
    cache: EmbeddingCache | None,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[list[list[float]], int]:
    """Vectors for ``texts``, embedding only those not in the cache; returns (vectors, hits).

    Texts repeated within the call are embedded once. ``on_batch`` sees the cache hits first,
    then each embedded batch.
    """
    if cache is None:
        return embedder.encode(texts, on_batch=on_batch), 0
    name = str(getattr(embedder, "name", type(embedder).__name__))
    got = cache.get_many(name, texts)
    hits = sum(v is not None for v in got)
    if hits and on_batch:
        on_batch(hits)
    missing = [t for t, v in zip(texts, got, strict=True) if v is None]
    todo = list(dict.fromkeys(missing))
    if todo:
        vectors = embedder.encode(todo, on_batch=on_batch)
        if len(missing) > len(todo) and on_batch:
            on_batch(len(missing) - len(todo))
        cache.put_many(name, todo, vectors)
        fresh = dict(zip(todo, vectors, strict=True))
        got = [v if v is not None else fresh[t] for t, v in zip(texts, got, strict=True)]
    return [v for v in got if v is not None], hits
