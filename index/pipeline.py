"""Ingestion: files → clean articles → chunks → embeddings → Chroma (+ BM25 index).

Consistency rules, so a killed ingest never leaves the store wrong:
  * chunk ids are content hashes, so re-writing a chunk never duplicates it;
  * an article record is written only after all of its chunks (it marks the article complete);
  * an older version of a changed file is removed only after the new version is complete.
A re-run after a kill finds the incomplete articles, writes their missing chunks and commits them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from index.chunking import chunk_article
from index.clean import clean_article
from index.documents import Article, Chunk
from index.embed_cache import EmbeddingCache, encode_cached
from index.embeddings import BaseEmbedder, make_embedder
from index.loaders import Skipped, expand_paths, load_file
from index.settings import Settings
from index.store import Store, StoreError

Status = Literal["added", "unchanged", "replaced", "skipped", "removed"]


@dataclass
class FileResult:
    """What happened to one input (a file, or a line of a .jsonl file)."""

    where: str
    status: Status
    detail: str = ""
    title: str = ""


@dataclass
class IngestReport:
    """The outcome of one ingest run."""

    results: list[FileResult] = field(default_factory=list)
    chunks_written: int = 0
    chunks_cached: int = 0  # of chunks_written, vectors taken from the embedding cache
    seconds_embedding: float = 0.0

    def count(self, status: Status) -> int:
        """Number of inputs with the given status."""
        return sum(1 for r in self.results if r.status == status)

    @property
    def skipped(self) -> list[FileResult]:
        """Inputs that were not ingested."""
        return [r for r in self.results if r.status == "skipped"]


class Progress:
    """Callbacks the CLI and UI use to show progress; the default does nothing."""

    def start(self, total_chunks: int) -> None:
        """Called once the number of chunks to embed is known."""

    def advance(self, n: int) -> None:
        """Called after each embedded batch of n chunks."""


@dataclass
class _Pending:
    article: Article
    chunks: list[Chunk]
    todo: list[Chunk]  # chunks not yet in the store
    status: Status
    where: str


def ingest(
    paths: Iterable[str | Path],
    settings: Settings,
    *,
    store: Store | None = None,
    embedder: BaseEmbedder | None = None,
    prune: bool = False,
    rebuild: bool = False,
    progress: Progress | None = None,
    on_result: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Ingest files and folders into the store; returns a per-input report."""
    store = _open_for_rebuild(settings, store) if rebuild else (store or Store(settings))
    store.check_layout()
    embedder = embedder or make_embedder(settings, threads=0)
    plan = _Plan(store, settings, on_result)
    keep_by_file = _plan_files(plan, paths)
    plan.write(embedder, progress or Progress())
    # Old versions of changed files (and articles gone from a .jsonl) go last.
    for file, keep in keep_by_file.items():
        replaced = any(r.status == "replaced" and r.where == file for r in plan.report.results)
        for doc in _drop_other_versions(store, file, keep):
            if not replaced:
                plan.record(
                    FileResult(file, "removed", "no longer in the file", doc.get("title", ""))
                )
    if prune:
        _prune(plan)
    return plan.report


def ingest_articles(
    articles: Iterable[Article],
    settings: Settings,
    *,
    store: Store | None = None,
    embedder: BaseEmbedder | None = None,
    progress: Progress | None = None,
    on_result: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Ingest articles made elsewhere (fetched from the web by ``index.intake``).

    ``article.file`` is the article's identity (its canonical URL): a new text for the same
    identity replaces the old version's chunks once the new version is complete; a text
    already stored (same ``doc_id``) is "unchanged" and embeds nothing.
    """
    store = store or Store(settings)
    store.check_layout()
    embedder = embedder or make_embedder(settings, threads=0)
    plan = _Plan(store, settings, on_result)
    for article in articles:
        if not plan.first_sight(article, article.source):
            continue
        if store.existing_docs([article.doc_id]):
            plan.record(FileResult(article.source, "unchanged", "", article.title))
            continue
        older = store.get_docs(where={"file": article.file})
        plan.add(article, article.source, "replaced" if older else "added")
    plan.write(embedder, progress or Progress())
    # Old versions go only once the new one is complete.
    for p in plan.pending:
        _drop_other_versions(store, p.article.file, {p.article.doc_id})
    return plan.report


class _Plan:
    """One ingest run: the articles still to write (``pending``) and the report so far."""

    def __init__(
        self, store: Store, settings: Settings, on_result: Callable[[FileResult], None] | None
    ) -> None:
        self.store = store
        self.settings = settings
        self.report = IngestReport()
        self.pending: list[_Pending] = []
        self.seen: set[str] = set()  # doc_ids met in this run
        self._on_result = on_result

    def record(self, result: FileResult) -> None:
        """Add a result to the report (and tell the caller)."""
        self.report.results.append(result)
        if self._on_result:
            self._on_result(result)

    def first_sight(self, article: Article, where: str) -> bool:
        """True the first time a text is met in this run; a repeat is recorded as skipped."""
        if article.doc_id in self.seen:
            self.record(FileResult(where, "skipped", "duplicate of an article in this run"))
            return False
        self.seen.add(article.doc_id)
        return True

    def add(self, article: Article, where: str, status: Status) -> None:
        """Chunk an article to be written; chunks left by an interrupted run are not redone."""
        chunks = chunk_article(
            article, self.settings.chunk_words, self.settings.chunk_overlap_words
        )
        stored = self.store.chunk_ids_of(article.doc_id)
        todo = [c for c in chunks if c.chunk_id not in stored]
        self.pending.append(_Pending(article, chunks, todo, status, where))

    def write(self, embedder: BaseEmbedder, progress: Progress) -> None:
        """Embed and write every pending article (each committed after its chunks)."""
        progress.start(sum(len(p.todo) for p in self.pending))
        _write(
            self.pending, self.store, embedder, self.settings, progress, self.report, self.record
        )


def _plan_files(plan: _Plan, paths: Iterable[str | Path]) -> dict[str, set[str]]:
    """Plan the articles of files and folders; returns file → the doc_ids it holds now
    (for every file read in full, so its other versions can go)."""
    known = {d["doc_id"]: d for d in plan.store.get_docs()}
    keep_by_file: dict[str, set[str]] = {}
    for item in expand_paths(paths):
        if isinstance(item, Skipped):
            plan.record(FileResult(item.where, "skipped", item.reason))
            continue
        current = _plan_file(plan, item, known)
        if current is not None:
            keep_by_file[str(item)] = current
    return keep_by_file


def _plan_file(plan: _Plan, item: Path, known: dict[str, dict[str, Any]]) -> set[str] | None:
    """Plan the articles of one file; the doc_ids it holds, or None when it was not all read."""
    settings = plan.settings
    file_ok = True
    current: set[str] = set()
    for raw in load_file(item, max_bytes=int(settings.max_file_mb * 1e6)):
        if isinstance(raw, Skipped):
            plan.record(FileResult(raw.where, "skipped", raw.reason))
            file_ok = file_ok and ":" in raw.where.removeprefix(str(item))
            continue
        where = raw.source if raw.external_id is None else f"{item.name}#{raw.external_id}"
        try:
            article = clean_article(raw)
        except ValueError as exc:
            plan.record(FileResult(where, "skipped", str(exc)))
            continue
        current.add(article.doc_id)
        if not plan.first_sight(article, where):
            continue
        if article.doc_id in known:
            other = known[article.doc_id].get("file")
            detail = "" if other == article.file else f"same text as {other}"
            plan.record(FileResult(where, "unchanged", detail, article.title))
            continue
        older = any(d.get("file") == article.file for d in known.values())
        plan.add(article, where, "replaced" if older and raw.external_id is None else "added")
    return current if file_ok else None


def _drop_other_versions(store: Store, file: str, keep: set[str]) -> list[dict[str, Any]]:
    """Delete the articles of ``file`` not in ``keep``; returns their metadata."""
    gone = [doc for doc in store.get_docs(where={"file": file}) if doc["doc_id"] not in keep]
    for doc in gone:
        store.delete_doc(doc["doc_id"])
    return gone


def _prune(plan: _Plan) -> None:
    """Remove articles whose file is gone (web articles have none), then orphan chunks."""
    store = plan.store
    for doc in store.get_docs():
        if is_url(doc.get("file", "")):  # fetched from the web (index/intake), no file
            continue
        if not Path(doc.get("file", "")).exists():
            store.delete_doc(doc["doc_id"])
            plan.record(
                FileResult(doc.get("file", ""), "removed", "file is gone", doc.get("title", ""))
            )
    store.delete_orphan_chunks()


def is_url(value: object) -> bool:
    """True for an http(s) URL (an article fetched from the web rather than read from a file)."""
    text = str(value or "")
    return text.startswith(("http://", "https://"))


def _open_for_rebuild(settings: Settings, store: Store | None) -> Store:
    """Empty the store; an embedded store too damaged to open is deleted from disk."""
    try:
        store = store or Store(settings)
    except StoreError:
        if settings.chroma_url:
            raise
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
        shutil.rmtree(settings.store_dir, ignore_errors=True)
        return Store(settings)
    store.reset()
    return store


def _write(
    pending: Sequence[_Pending],
    store: Store,
    embedder: BaseEmbedder,
    settings: Settings,
    progress: Progress,
    report: IngestReport,
    record: Callable[[FileResult], None],
) -> None:
    """Embed and write pending articles in groups; commit each article after its chunks."""
    import time

    import numpy as np

    group: list[_Pending] = []
    cache = EmbeddingCache.for_settings(settings)

    def flush() -> None:
        todo = [c for p in group for c in p.todo]
        t0 = time.perf_counter()
        texts = [embed_text(c) for c in todo]
        vectors, hits = encode_cached(embedder, texts, cache, on_batch=progress.advance)
        report.chunks_cached += hits
        report.seconds_embedding += time.perf_counter() - t0
        for i in range(0, len(todo), settings.write_batch_size):
            store.upsert_chunks(
                todo[i : i + settings.write_batch_size], vectors[i : i + settings.write_batch_size]
            )
        report.chunks_written += len(todo)
        by_id = dict(zip((c.chunk_id for c in todo), vectors, strict=True))
        for p in group:
            missing = [c for c in p.chunks if c.chunk_id not in by_id]
            if missing:  # written by an interrupted run: fetch their vectors back
                by_id.update(store.chunk_vectors([c.chunk_id for c in missing]))
            mean = np.mean([by_id[c.chunk_id] for c in p.chunks], axis=0)
            mean = mean / (np.linalg.norm(mean) or 1.0)
            store.commit_doc(p.article, len(p.chunks), mean.tolist())
            record(FileResult(p.where, p.status, f"{len(p.chunks)} chunks", p.article.title))
        group.clear()

    size = 0
    for p in pending:
        group.append(p)
        size += len(p.todo)
        if size >= settings.write_batch_size:
            flush()
            size = 0
    if group:
        flush()
    if cache is not None:
        cache.close()


def embed_text(chunk: Chunk) -> str:
    """The text embedded for a chunk: its title, then the passage."""
    title = str(chunk.metadata.get("title", ""))
    if chunk.position == 0 or not title:
        return chunk.text
    return f"{title}\n{chunk.text}"
