"""The Library tab: search the articles, upload files, delete an article, follow feeds.

A thin layer over the Library service (:class:`qa.library.Library`): uploads go to
:meth:`~qa.library.Library.add_uploads` (only files in Gradio's upload folder), deletions to
:meth:`~qa.library.Library.delete_with_upload`; the feeds section is :mod:`ui.feeds_view`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from index.pipeline import Progress
from index.settings import Settings
from index.store import StoreError
from ui import views
from ui.feeds_view import FeedsSection

UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".jsonl"]
WRITE = "write"  # concurrency group of everything that changes the library


class CallbackProgress(Progress):
    """Ingest progress forwarded to ``report(done, total)`` (e.g. a ``gr.Progress``)."""

    def __init__(self, report: Callable[[int, int], None]) -> None:
        self.report = report
        self.total = 0
        self.done = 0

    def start(self, total_chunks: int) -> None:
        """Remember the total and report 0 of it."""
        self.total = total_chunks
        self.report(0, total_chunks)

    def advance(self, n: int) -> None:
        """Report one more embedded batch."""
        self.done += n
        self.report(self.done, self.total)


def ingest_uploaded(
    assistant: Any, files: list[str], progress: Progress | None = None
) -> list[dict[str, str]]:
    """Ingest files uploaded to Gradio: only files in its upload folder, never any other file
    on the server. One ``{file, status, detail, title}`` result per input."""
    results: list[dict[str, str]] = assistant.library.add_uploads(
        files, progress, [gr.utils.get_upload_folder()]
    )
    return results


class LibraryTab:
    """The library's components (built in the current Gradio layout context) and events."""

    def __init__(self, assistant: Any, settings: Settings) -> None:
        self.assistant = assistant
        self.outputs: list[Any] = []  # what library_view() updates; set by wire()
        with gr.Column(scale=3, min_width=320):
            self.search = gr.Textbox(label="Search by title", elem_id="nd-search")
            self.table = gr.HTML(elem_id="nd-library")
            with gr.Row():
                self.doomed = gr.Dropdown(
                    [], label="Article to delete", scale=3, elem_id="nd-delete-choice"
                )
                self.delete_btn = gr.Button(
                    "Delete article", variant="stop", scale=1, elem_id="nd-delete"
                )
            self.delete_msg = gr.HTML()
        with gr.Column(scale=2, min_width=300):
            self.files = gr.File(
                file_count="multiple",
                file_types=UPLOAD_TYPES,
                type="filepath",
                elem_id="nd-upload",
                label=f"Add articles (up to {settings.max_upload_files} "
                f"files of {settings.max_upload_mb:g} MB: "
                ".txt .md .html .htm .jsonl)",
            )
            self.add_btn = gr.Button("Add to library", variant="primary", elem_id="nd-add")
            self.results = gr.HTML(elem_id="nd-results")
            self.feeds = FeedsSection(assistant, settings)  # ui/feeds_view.py

    # -- handlers ---------------------------------------------------------------------------

    def library_view(self, query: str = "") -> tuple[Any, ...]:
        """The table (filtered by ``query``), the delete choices and the chat's examples."""
        try:
            all_docs = self.assistant.library.docs()
        except StoreError as exc:
            return views.error_html(str(exc)), gr.skip(), gr.skip()
        choices = [views.doc_choice(d) for d in views.filter_docs(all_docs, query)]
        examples = [[q] for q in views.example_questions(all_docs)]
        return (
            views.library_html(all_docs, query),
            gr.Dropdown(choices=choices, value=None),
            gr.Dataset(samples=examples, visible=bool(examples)),
        )

    def upload(
        self, files: list[str] | None, query: str, progress: gr.Progress = gr.Progress()
    ) -> tuple[Any, ...]:
        """Ingest the uploaded files with a progress bar; one result line per file."""
        if not files:
            return (
                views.error_html("choose one or more files first"),
                *self.library_view(query),
                None,
            )

        def report(done: int, total: int) -> None:
            if total:
                progress((done, total), desc="embedding", unit="chunks")

        progress(0.0, desc="reading files")
        try:
            results = ingest_uploaded(self.assistant, files, CallbackProgress(report))
        except StoreError as exc:
            return views.error_html(str(exc)), *self.library_view(query), None
        return views.results_html(results), *self.library_view(query), None

    def delete(self, doc_id: str | None, query: str) -> tuple[Any, ...]:
        """Delete the chosen article (and its uploaded copy); one line says what happened."""
        if not doc_id:
            return views.error_html("choose an article to delete"), *self.library_view(query)
        try:
            title = self.assistant.library.delete_with_upload(doc_id)
        except KeyError:
            return views.error_html("that article is already gone"), *self.library_view(query)
        except StoreError as exc:
            return views.error_html(str(exc)), *self.library_view(query)
        return (
            f'<div class="nd-empty">Deleted “{views.esc(title)}”.</div>',
            *self.library_view(query),
        )

    # -- wiring -----------------------------------------------------------------------------

    def wire(self, demo: gr.Blocks, examples: Any) -> None:
        """Connect search, upload and delete, and fill the table (and the chat's ``examples``)
        when a page loads."""
        self.outputs = [self.table, self.doomed, examples]
        self.search.change(
            self.library_view,
            self.search,
            self.outputs,
            concurrency_limit=None,
            show_progress="hidden",
            api_visibility="private",
        )
        self.add_btn.click(
            self.upload,
            [self.files, self.search],
            [self.results, *self.outputs, self.files],
            concurrency_id=WRITE,
            api_visibility="private",
        )
        self.delete_btn.click(
            self.delete,
            [self.doomed, self.search],
            [self.delete_msg, *self.outputs],
            concurrency_id=WRITE,
            api_visibility="private",
        )
        demo.load(self.library_view, None, self.outputs, api_visibility="private")

    def wire_feeds(self) -> None:
        """Connect the feeds section (each of its buttons refreshes the library view)."""
        self.feeds.wire(self.library_view, [self.search], self.outputs)
