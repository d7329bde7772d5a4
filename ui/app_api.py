"""The Gradio app's named API endpoints (``gradio_client``): ``/ask`` and ``/ingest``.

* ``/ask``: ``question`` (str), optional ``history`` (JSON string or list of
  ``{"role", "content"}``), ``answerer`` and ``top_k``; returns ``Answer.model_dump()``,
  the same object as ``newsdesk ask --json``.
* ``/ingest``: ``files`` (uploaded files); returns one result per file (or ``.jsonl`` line):
  ``{"file", "status", "detail", "title"}``.

The feed endpoints are registered by :mod:`ui.feeds_view`. Every other event of the app is
private (no endpoint).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from index.store import StoreError
from qa.conversations import public_answer
from ui.chat_tab import GENERATE, USER_ERRORS
from ui.history import parse_history
from ui.library_tab import WRITE, ingest_uploaded


class AppApi:
    """The API-only (hidden) components and the ``/ask`` and ``/ingest`` endpoints."""

    def __init__(self, assistant: Any, default: str) -> None:
        self.assistant = assistant
        self.default = default
        with gr.Row(visible=False):  # API-only components for /ingest
            self.files = gr.File(file_count="multiple", type="filepath")
            self.results = gr.JSON()
            self.button = gr.Button()

    def ask(
        self,
        question: str,
        history: str | list[dict[str, str]] | None = None,
        answerer: str | None = None,
        top_k: int | None = None,
    ) -> dict[str, Any]:
        """Answer one question; returns the same JSON object as `newsdesk ask --json`."""
        try:
            turns = parse_history(history)
            answer = self.assistant.ask(question, turns, answerer or self.default, top_k or None)
        except USER_ERRORS as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return dict(public_answer(answer).model_dump(mode="json"))  # sources: no server paths

    def ingest(self, files: list[str] | None) -> list[dict[str, str]]:
        """Ingest uploaded files; one {file, status, detail, title} result per input."""
        try:
            return ingest_uploaded(self.assistant, files or [])
        except StoreError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def wire(self) -> None:
        """Register the two endpoints."""
        gr.api(self.ask, api_name="ask", concurrency_id=GENERATE)
        self.button.click(
            self.ingest, self.files, self.results, api_name="ingest", concurrency_id=WRITE
        )
