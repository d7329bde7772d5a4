"""The Chroma store: one collection of chunks and one of whole articles.

Layout (collection ``NAME``):
  * ``NAME`` holds chunks: id = content hash, document = chunk text, embedding, metadata
    (``doc_id``, title, source, publisher, published_at, position, start, end, ...).
  * ``NAME__docs`` holds one record per article: id = ``doc_id``, document = cleaned full
    text, embedding = mean of its chunk vectors. An article record is written only after all
    its chunks, so it marks the article complete; readers ignore chunks without one.
  * ``NAME__changes`` is an append-only change log: one record per article committed or
    deleted (metadata ``op`` = ``add``/``del``, ``doc_id``, ``t``), written after the change
    itself. Its size is the store's version: a replica checks it in O(1) (``log_position``)
    and catches up by reading only the records past the ones it has seen (``changes_since``).

Works the same with an embedded ``PersistentClient`` and an ``HttpClient`` to ``chroma run``.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from index.documents import Article, Chunk, content_hash
from index.errors import NewsdeskError
from index.settings import Settings

PAGE = 5000


class StoreError(NewsdeskError, RuntimeError):
    """The store cannot be used; the message says what to do."""


class Store:
    """Read and write access to the Newsdesk collections."""

    def __init__(self, settings: Settings, create: bool = True) -> None:
        self.settings = settings
        self.location = settings.store_location
        self.client = _connect(settings)
        self.layout = {
            "embedding_model": settings.embedding_model,
            "chunking": f"{settings.chunk_words}/{settings.chunk_overlap_words}",
        }
        self.chunks = self._collection(settings.collection, create)
        self.docs = self._collection(settings.collection + "__docs", create)
        # The log is created even when opening read-only: a store written before it existed
        # simply starts with an empty log.
        self.changes = self._collection(settings.collection + "__changes", True)

    # -- set-up -----------------------------------------------------------------------------

    def _collection(self, name: str, create: bool) -> Any:
        try:
            if create:
                return self.client.get_or_create_collection(
                    name,
                    embedding_function=None,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={"newsdesk:" + k: v for k, v in self.layout.items()},
                )
            return self.client.get_collection(name, embedding_function=None)
        except Exception as exc:
            if not create and "does not exist" in str(exc).lower():
                raise StoreError(
                    f"collection '{name}' not found in {self.location}: run `newsdesk ingest`"
                ) from None
            raise store_error(exc, self.settings) from None

    def check_layout(self) -> None:
        """Raise StoreError if the store was built with another embedding model or chunking."""
        meta = self.chunks.metadata or {}
        for key, want in self.layout.items():
            have = meta.get("newsdesk:" + key)
            if have is not None and have != want:
                raise StoreError(
                    f"the store at {self.location} was built with {key}={have}, but the settings "
                    f"say {want}: run `newsdesk ingest --rebuild PATH...` to rebuild it"
                )

    # -- reads ------------------------------------------------------------------------------

    def doc_ids(self) -> list[str]:
        """Ids of all complete articles."""
        return [i for page in self._pages(self.docs, include=[]) for i in page["ids"]]

    def count_docs(self) -> int:
        """Number of complete articles."""
        return int(self.docs.count())

    def count_chunks(self) -> int:
        """Number of chunk records (including orphans of an interrupted ingest)."""
        return int(self.chunks.count())

    def get_docs(self, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Metadata of the articles matching ``where`` (all when None)."""
        out: list[dict[str, Any]] = []
        for page in self._pages(self.docs, include=["metadatas"], where=where):
            out.extend(
                {**m, "doc_id": i} for i, m in zip(page["ids"], page["metadatas"], strict=True)
            )
        return out

    def get_doc_text(self, doc_id: str) -> tuple[str, dict[str, Any]] | None:
        """The cleaned full text and metadata of one article, or None."""
        got = self.docs.get(ids=[doc_id], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        return got["documents"][0], got["metadatas"][0]

    def chunk_ids_of(self, doc_id: str) -> set[str]:
        """Ids of the chunks stored for one article."""
        got = self.chunks.get(where={"doc_id": doc_id}, include=[])
        return set(got["ids"])

    def nearest(
        self, vector: Sequence[float], n: int, *, ids: Sequence[str] | None = None
    ) -> list[str]:
        """Ids of the ``n`` chunks nearest to ``vector`` (among ``ids`` when given), best first."""
        restrict = {"ids": list(ids)} if ids is not None else {}
        got = self.chunks.query(
            query_embeddings=[list(vector)], n_results=n, include=[], **restrict
        )
        return list(got["ids"][0])

    def chunk_vectors(self, chunk_ids: Sequence[str]) -> dict[str, Any]:
        """The stored embedding of each of these chunks, by chunk id."""
        got = self.chunks.get(ids=list(chunk_ids), include=["embeddings"])
        return dict(zip(got["ids"], got["embeddings"], strict=True))

    def iter_chunks(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """All chunk records as (id, text, metadata), page by page."""
        for page in self._pages(self.chunks, include=["documents", "metadatas"]):
            yield from zip(page["ids"], page["documents"], page["metadatas"], strict=True)

    def fingerprint(self) -> str:
        """Identity of the store's contents, O(1): the change log's collection id and size.

        Changes whenever an article is committed or deleted (by any process sharing the store).
        """
        log_id, size = self.log_position()
        return content_hash(log_id, str(size), *self.layout.values())

    def log_position(self) -> tuple[str, int]:
        """(id of the change log, number of records in it): one cheap call, the store version.

        A different id means the store was rebuilt (``reset``): readers start over.
        """
        try:
            return str(self.changes.id), int(self.changes.count())
        except Exception as exc:  # another process rebuilt the store: our handles are stale
            if "does not exist" not in str(exc).lower():
                raise
            self.reopen()
            return str(self.changes.id), int(self.changes.count())

    def reopen(self) -> None:
        """Get fresh handles on the collections (after a rebuild by another process)."""
        name = self.settings.collection
        self.chunks = self._collection(name, True)
        self.docs = self._collection(name + "__docs", True)
        self.changes = self._collection(name + "__changes", True)

    def changes_since(self, seen: int) -> list[tuple[str, str]]:
        """The change records after the first ``seen`` ones, oldest first, as (op, doc_id)."""
        out: list[tuple[str, str]] = []
        offset = seen
        while True:
            page = self.changes.get(include=["metadatas"], limit=PAGE, offset=offset)
            out.extend((str(m["op"]), str(m["doc_id"])) for m in page["metadatas"])
            offset += len(page["ids"])
            if len(page["ids"]) < PAGE:
                return out

    def chunks_of(self, doc_ids: Sequence[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """The chunk records of some articles as (id, text, metadata), fetched by article id."""
        ids = list(doc_ids)
        for i in range(0, len(ids), 100):
            where = {"doc_id": {"$in": ids[i : i + 100]}}
            for page in self._pages(self.chunks, include=["documents", "metadatas"], where=where):
                yield from zip(page["ids"], page["documents"], page["metadatas"], strict=True)

    def existing_docs(self, doc_ids: Sequence[str]) -> set[str]:
        """Which of these article ids have a (complete) article record now."""
        ids = list(doc_ids)
        return {
            i for k in range(0, len(ids), PAGE)
            for i in self.docs.get(ids=ids[k : k + PAGE], include=[])["ids"]
        }  # fmt: skip

    def stats(self) -> dict[str, Any]:
        """Counts and identity of the store, as printed by ``newsdesk stats``."""
        return {
            "documents": self.count_docs(),
            "chunks": self.count_chunks(),
            "collection": self.settings.collection,
            "store": self.location,
            "embedding_model": self.settings.embedding_model,
            "chunking": self.layout["chunking"],
        }

    def _pages(
        self, coll: Any, include: list[str], where: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = coll.get(include=include, where=where, limit=PAGE, offset=offset)
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])
            if len(page["ids"]) < PAGE:
                return

    # -- writes -----------------------------------------------------------------------------

    def upsert_chunks(self, chunks: Sequence[Chunk], embeddings: Sequence[Sequence[float]]) -> None:
        """Write chunks (idempotent: ids are content hashes)."""
        if chunks:
            self.chunks.upsert(
                ids=[c.chunk_id for c in chunks],
                documents=[c.text for c in chunks],
                embeddings=[list(e) for e in embeddings],
                metadatas=[c.metadata for c in chunks],
            )

    def commit_doc(self, article: Article, n_chunks: int, embedding: Sequence[float]) -> None:
        """Write the article record; call only after all its chunks are stored."""
        self.docs.upsert(
            ids=[article.doc_id],
            documents=[article.text],
            embeddings=[list(embedding)],
            metadatas=[{**article.metadata(), "chunks": n_chunks}],
        )
        self.log_changes("add", [article.doc_id])

    def delete_doc(self, doc_id: str) -> None:
        """Remove an article and exactly its chunks (record first, so readers stop seeing it)."""
        self.docs.delete(ids=[doc_id])
        self.chunks.delete(where={"doc_id": doc_id})
        self.log_changes("del", [doc_id])

    def log_changes(self, op: str, doc_ids: Sequence[str]) -> None:
        """Append change records (after the change itself, so a reader never runs ahead)."""
        now = time.time()
        self.changes.add(
            ids=[uuid.uuid4().hex for _ in doc_ids],
            embeddings=[[1.0] for _ in doc_ids],
            metadatas=[{"op": op, "doc_id": d, "t": now} for d in doc_ids],
        )

    def delete_orphan_chunks(self) -> int:
        """Delete chunks whose article record is missing (left by an interrupted ingest)."""
        known = set(self.doc_ids())
        orphans: set[str] = set()
        for page in self._pages(self.chunks, include=["metadatas"]):
            orphans.update(m["doc_id"] for m in page["metadatas"] if m["doc_id"] not in known)
        for doc_id in orphans:
            self.chunks.delete(where={"doc_id": doc_id})
        return len(orphans)

    def reset(self) -> None:
        """Drop the collections (chunks, articles, log); create them empty (``--rebuild``)."""
        name = self.settings.collection
        for suffix in ("", "__docs", "__changes"):
            with contextlib.suppress(Exception):
                self.client.delete_collection(name + suffix)
        self.chunks = self._collection(name, True)
        self.docs = self._collection(name + "__docs", True)
        self.changes = self._collection(name + "__changes", True)


def _connect(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_url} ({_short(exc)}): "
                "start it with `chroma run --path DIR --port PORT` or unset NEWSDESK_CHROMA_URL"
            ) from None
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    try:
        client = chromadb.PersistentClient(path=str(settings.store_dir), settings=chroma_settings)
    except Exception as exc:
        raise store_error(exc, settings) from None
    _check_sqlite(settings)
    return client


def _check_sqlite(settings: Settings) -> None:
    """Raise StoreError when the embedded store's database fails SQLite's ``quick_check``.

    Chroma opens some damaged files without complaint and fails (or answers from what is
    left) later; the check reads every page once (~0.1 s for 100 MB), so damage is named at
    open time, with the command that fixes it.
    """
    import sqlite3

    path = settings.store_dir / "chroma.sqlite3"
    if not path.is_file() or not path.stat().st_size:
        return
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            db.execute("PRAGMA busy_timeout = 5000")
            found = [row[0] for row in db.execute("PRAGMA quick_check(1)")]
    except sqlite3.OperationalError:  # busy or locked by a writer: Chroma's own errors apply
        return
    except sqlite3.DatabaseError as exc:  # "file is not a database", "malformed", ...
        found = [str(exc)]
    if found != ["ok"]:
        raise StoreError(_damaged(settings, found[0] if found else "unreadable"))


def _damaged(settings: Settings, detail: str) -> str:
    return (
        f"the store at {settings.store_dir} is damaged ({_short(detail)}): "
        "run `newsdesk ingest --rebuild PATH...` to rebuild it"
    )


def is_store_failure(exc: BaseException) -> bool:
    """True for errors of Chroma, its HTTP transport or its SQLite files (not our bugs)."""
    roots = {"chromadb", "httpx", "httpcore", "sqlite3"}
    return isinstance(exc, ConnectionError | TimeoutError) or any(
        (c.__module__ or "").split(".")[0] in roots for c in type(exc).__mro__
    )


def store_error(exc: BaseException, settings: Settings) -> StoreError:
    """A one-line StoreError for a failure of the store, naming what fixes it."""
    if isinstance(exc, StoreError):
        return exc
    if settings.chroma_url:
        names = {c.__name__ for c in type(exc).__mro__}
        if names & {"TransportError", "ConnectionError", "TimeoutError"}:
            return StoreError(
                f"cannot reach the Chroma server at {settings.chroma_url} ({_short(exc)}): "
                "start it (`chroma run --path DIR --port PORT`) and try again"
            )
        return StoreError(f"the Chroma server at {settings.chroma_url} failed ({_short(exc)})")
    return StoreError(_damaged(settings, f"{type(exc).__name__}: {_short(exc)}"))


@contextlib.contextmanager
def store_errors(settings: Settings) -> Iterator[None]:
    """Turn failures of the store inside the block into one-line :class:`StoreError` s."""
    try:
        yield
    except Exception as exc:
        if isinstance(exc, StoreError) or not is_store_failure(exc):
            raise
        raise store_error(exc, settings) from None


def _short(exc: BaseException | str) -> str:
    text = str(exc).strip()
    return " ".join(text.split())[:200] if text else type(exc).__name__
