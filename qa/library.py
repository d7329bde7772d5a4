"""The Library service: the articles a user can ask about — list, read, add, delete.

The CLI, the chat app and the REST API all go through it, so adding or removing an article
always keeps retrieval (BM25 and dense) in step, and no front end touches the store or the
retriever itself.

Example:
    >>> from index.settings import Settings
    >>> library = Assistant(Settings(answerer="extractive")).library  # doctest: +SKIP
    >>> [d["title"] for d in library.docs()][:1]  # doctest: +SKIP
    ['Russian air raids damaging Syria peace talks, says Kerry']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.embeddings import BaseEmbedder
from index.pipeline import IngestReport, Progress, ingest
from index.settings import Settings
from index.store import Store, store_errors
from index.uploads import is_upload_copy, renamed_result, save_uploads

if TYPE_CHECKING:
    from index.intake.results import SourceResult
    from index.intake.service import Intake
    from qa.retriever import HybridRetriever


class Library:
    """Articles in one store, kept in step with the retriever that searches them."""

    def __init__(self, settings: Settings, store: Store, retriever: HybridRetriever) -> None:
        self.settings = settings
        self._store = store
        self._retriever = retriever

    @property
    def embedder(self) -> BaseEmbedder:
        """The embedder the store's vectors come from (the configured backend)."""
        return self._retriever.embedder

    def docs(self, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Metadata of the articles (matching ``where``), with their ``doc_id``."""
        with store_errors(self.settings):
            return list(self._store.get_docs(where=where))

    def doc_text(self, doc_id: str) -> tuple[str, dict[str, Any]] | None:
        """The cleaned text and metadata of one article, or None."""
        with store_errors(self.settings):
            return self._store.get_doc_text(doc_id)

    def stats(self) -> dict[str, Any]:
        """Counts and identity of the store (``newsdesk stats``)."""
        with store_errors(self.settings):
            return self._store.stats()

    def ingest(self, paths: Sequence[str | Path], progress: Progress | None = None) -> IngestReport:
        """Ingest files and folders; the new articles are answerable when this returns."""
        with store_errors(self.settings):
            report = ingest(
                list(paths), self.settings, store=self._store, embedder=self.embedder,
                progress=progress,
            )  # fmt: skip
        self.refresh()
        return report

    def find(self, target: str) -> list[dict[str, Any]]:
        """The articles a user means by ``target``: a doc id, or the file they came from."""
        path = str(Path(target).expanduser().resolve())
        return [
            d
            for d in self.docs()
            if target in (d["doc_id"], d.get("file")) or path == d.get("file")
        ]

    def delete(self, doc_id: str) -> dict[str, Any]:
        """Delete one article and exactly its chunks; returns its metadata (KeyError if absent)."""
        with store_errors(self.settings):
            found = self._store.get_doc_text(doc_id)
            if found is None:
                raise KeyError(doc_id)
            self._store.delete_doc(doc_id)
        self.refresh()
        return {**found[1], "doc_id": doc_id}

    def add_uploads(
        self,
        paths: Sequence[str | Path],
        progress: Progress | None = None,
        allowed_roots: Sequence[str | Path] | None = None,
    ) -> list[dict[str, str]]:
        """Save uploaded files (:func:`index.uploads.save_uploads`) and ingest them.

        One result per input (and per ``.jsonl`` line): ``file`` (the uploaded name),
        ``status`` (added / unchanged / replaced / skipped / removed), ``detail``, ``title``.
        New articles are answerable when this returns; a saved copy that backs no article
        (every part of it was skipped) is removed again. StoreError when the store fails.
        """
        saved, rejected = save_uploads(paths, self.settings, allowed_roots)
        results = list(rejected)
        if saved:
            report = self.ingest([path for _, path in saved], progress)
            # Keep only copies that back an article: rejected files do not pile up on disk.
            where = {"file": {"$in": [str(path) for _, path in saved]}}
            backing = {str(d.get("file")) for d in self.docs(where=where)}
            for _, path in saved:
                if str(path) not in backing:
                    path.unlink(missing_ok=True)
            names = {str(path): name for name, path in saved}
            results += [renamed_result(r, names) for r in report.results]
        return results

    def delete_with_upload(self, doc_id: str) -> str:
        """Delete an article like :meth:`delete`, and its uploaded copy when no other article
        comes from that file. Returns the article's title; KeyError when it is not stored."""
        docs = {d["doc_id"]: d for d in self.docs()}
        if doc_id not in docs:
            raise KeyError(doc_id)
        doc = docs[doc_id]
        self.delete(doc_id)
        file = str(doc.get("file") or "")
        others = (d for i, d in docs.items() if i != doc_id)
        if is_upload_copy(file, self.settings) and not any(d.get("file") == file for d in others):
            Path(file).unlink(missing_ok=True)
        return str(doc.get("title") or doc_id)

    def intake(self, progress: Progress | None = None) -> Intake:
        """The web intake (URLs, feeds, sitemaps) writing into this library."""
        from index.intake.service import Intake

        return Intake(
            self.settings, store=self._store, embedder=self.embedder, on_change=self.refresh,
            progress=progress,
        )  # fmt: skip

    def add_url(self, url: str) -> SourceResult:
        """Ingest what a web address holds (a page, or a feed or sitemap read once)."""
        with store_errors(self.settings), self.intake() as intake:
            return intake.ingest_url(url)

    def refresh(self) -> None:
        """Make retrieval see the store's current articles now."""
        self._retriever.refresh()
