"""The Gradio front end: chat with cited sources, the article viewer, and the library.

A thin layer: questions go to :class:`qa.assistant.Assistant`, files to ``index.pipeline``
(through :mod:`ui.library`), and everything shown is rendered by :mod:`ui.views`.

Named API endpoints (``gradio_client``):
  * ``/ask``: ``question`` (str), optional ``history`` (JSON string or list of
    ``{"role", "content"}``), ``answerer`` and ``top_k``; returns ``Answer.model_dump()``,
    the same object as ``newsdesk ask --json``.
  * ``/ingest``: ``files`` (uploaded files); returns one result per file (or ``.jsonl`` line):
    ``{"file", "status", "detail", "title"}``.

Generation runs one at a time (queue concurrency 1, shared by the chat and ``/ask``), so a
waiting user sees their queue position.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from index.errors import NewsdeskError
from index.settings import Settings
from index.store import StoreError, store_errors
from qa.answer import Answer, Sources
from qa.conversations import public_answer
from ui import conversations_view, views
from ui.feeds_view import FeedsSection
from ui.history import parse_history
from ui.library import CallbackProgress, delete_article, ingest_uploads

# Errors a user can act on: shown as one line (the server keeps serving).
USER_ERRORS = (NewsdeskError,)

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent

UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".jsonl"]
GENERATE = "generate"  # concurrency group of everything that answers questions
WRITE = "write"  # concurrency group of everything that changes the library

CSS = (HERE / "app.css").read_text(encoding="utf-8")

# Runs inside the article panel (js_on_load of its gr.HTML): see ui/article.js.
ARTICLE_JS = (HERE / "article.js").read_text(encoding="utf-8")


@dataclass
class Conversation:
    """One browser session's chat: what is shown, and the answers behind it."""

    messages: list[dict[str, str]] = field(default_factory=list)  # chatbot messages (HTML)
    answers: list[Answer] = field(default_factory=list)  # badges refer to these by index

    def history(self) -> list[dict[str, str]]:
        """The turns so far, as the assistant takes them."""
        turns: list[dict[str, str]] = []
        for a in self.answers:
            turns += [
                {"role": "user", "content": a.question},
                {"role": "assistant", "content": a.answer},
            ]
        return turns


def build_app(assistant: Any, settings: Settings, answerers: list[str] | None = None) -> gr.Blocks:
    """The whole app. Launch it with ``launch_kwargs()`` (css/head live on launch in Gradio 6).

    ``answerers`` are the choices offered (default: ``available_answerers(settings)``); the
    first one is the default unless ``settings.answerer`` is among them.
    """
    if answerers is None:
        from qa.generators import available_answerers

        answerers = available_answerers(settings)
    default = settings.answerer if settings.answerer in answerers else answerers[0]

    def docs() -> list[dict[str, Any]]:
        with store_errors(settings):
            return assistant.library.docs()

    def ingest(files: list[str], progress: Any = None) -> list[dict[str, str]]:
        """Only files in Gradio's upload folder: never any other file on the server."""
        return ingest_uploads(files, assistant, progress, [gr.utils.get_upload_folder()])

    # -- chat -------------------------------------------------------------------------------

    def respond(question: str, conv: Conversation, answerer: str, top_k: float) -> Iterator[Any]:
        """Stream one answer into the chat; errors become a one-line message."""
        if not str(question or "").strip():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        shown = [*conv.messages, {"role": "user", "content": views.question_html(question)}]
        pending = {"role": "assistant", "content": views.streaming_html("")}
        yield "", [*shown, pending], conv, gr.skip(), gr.skip()
        text, answer = "", None
        try:
            for item in assistant.stream(
                question, conv.history(), answerer or default, int(top_k or settings.top_k)
            ):
                if isinstance(item, Answer):
                    answer = item
                elif isinstance(item, Sources):  # evidence first, while the model works
                    yield gr.skip(), gr.skip(), gr.skip(), views.found_html(item), gr.skip()
                else:
                    text += item
                    pending = {"role": "assistant", "content": views.streaming_html(text)}
                    yield gr.skip(), [*shown, pending], gr.skip(), gr.skip(), gr.skip()
        except USER_ERRORS as exc:
            error = views.error_html(str(exc))
        except Exception as exc:  # keep serving whatever happens to one question
            log.exception("answering %r failed", question)
            error = views.error_html(f"something went wrong ({type(exc).__name__}); try again")
        else:
            error = ""
        if answer is None:
            messages = [
                *shown,
                {"role": "assistant", "content": error or views.error_html("no answer")},
            ]
            new = Conversation(messages, conv.answers)
            yield gr.skip(), messages, new, gr.skip(), gr.skip()
            return
        turn = len(conv.answers)
        messages = [*shown, {"role": "assistant", "content": views.answer_html(answer, turn)}]
        new = Conversation(messages, [*conv.answers, answer])
        yield (
            gr.skip(),
            messages,
            new,
            views.sources_html(answer, turn),
            views.ARTICLE_PLACEHOLDER,
        )

    def show_citation(conv: Conversation, evt: gr.EventData) -> tuple[Any, Any]:
        """Sources panel of the clicked answer and the cited article, span highlighted."""
        try:
            turn, n = int(evt.turn), int(evt.n)
            answer = conv.answers[turn]
            citation = next(c for c in answer.citations if c.n == n)
        except (AttributeError, TypeError, ValueError, IndexError, StopIteration):
            return gr.skip(), gr.skip()
        found = assistant.library.doc_text(citation.doc_id)
        if found is None:
            return (
                views.sources_html(answer, turn, active=n),
                views.missing_article_html(citation.title),
            )
        text, meta = found
        return (
            views.sources_html(answer, turn, active=n),
            views.article_html(text, meta, citation.quote, citation.start, n),
        )

    def new_conversation() -> tuple[Any, ...]:
        return [], Conversation(), views.SOURCES_PLACEHOLDER, views.ARTICLE_PLACEHOLDER, ""

    # -- library ----------------------------------------------------------------------------

    def library_view(query: str = "") -> tuple[Any, ...]:
        try:
            all_docs = docs()
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
        files: list[str] | None, query: str, progress: gr.Progress = gr.Progress()
    ) -> tuple[Any, ...]:
        """Ingest the uploaded files with a progress bar; one result line per file."""
        if not files:
            return (views.error_html("choose one or more files first"), *library_view(query), None)

        def report(done: int, total: int) -> None:
            if total:
                progress((done, total), desc="embedding", unit="chunks")

        progress(0.0, desc="reading files")
        try:
            results = ingest(files, CallbackProgress(report))
        except StoreError as exc:
            return views.error_html(str(exc)), *library_view(query), None
        return views.results_html(results), *library_view(query), None

    def delete(doc_id: str | None, query: str) -> tuple[Any, ...]:
        if not doc_id:
            return views.error_html("choose an article to delete"), *library_view(query)
        try:
            title = delete_article(doc_id, assistant)
        except KeyError:
            return views.error_html("that article is already gone"), *library_view(query)
        except StoreError as exc:
            return views.error_html(str(exc)), *library_view(query)
        return (f'<div class="nd-empty">Deleted “{views.esc(title)}”.</div>', *library_view(query))

    # -- API --------------------------------------------------------------------------------

    def api_ask(
        question: str,
        history: str | list[dict[str, str]] | None = None,
        answerer: str | None = None,
        top_k: int | None = None,
    ) -> dict[str, Any]:
        """Answer one question; returns the same JSON object as `newsdesk ask --json`."""
        try:
            turns = parse_history(history)
            answer = assistant.ask(question, turns, answerer or default, top_k or None)
        except USER_ERRORS as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return dict(public_answer(answer).model_dump(mode="json"))  # sources: no server paths

    def api_ingest(files: list[str] | None) -> list[dict[str, str]]:
        """Ingest uploaded files; one {file, status, detail, title} result per input."""
        try:
            return ingest(files or [])
        except StoreError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    # -- layout -----------------------------------------------------------------------------

    with gr.Blocks(title="Newsdesk", fill_width=True) as demo:
        conv = gr.State(Conversation())
        gr.HTML(
            '<div class="nd-brand"><h1>Newsdesk</h1><p>Answers from your news articles, '
            "every claim cited to the passage it came from.</p></div>",
            elem_id="nd-title",
            padding=False,
        )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=340):
                    chatbot = gr.Chatbot(
                        label="Chat",
                        show_label=False,
                        height="56vh",
                        min_height=300,
                        elem_id="nd-chat",
                        feedback_options=("Like", "Dislike"),  # ui/conversations_view.py
                        latex_delimiters=[],
                        placeholder="Ask a question about the articles in the library.",
                        buttons=[],
                        sanitize_html=True,
                    )
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="Ask about the articles… (Enter sends)",
                        lines=1,
                        max_lines=1,
                        submit_btn="Ask",
                        autofocus=True,
                        elem_id="nd-question",
                        max_length=settings.max_question_chars,
                    )
                    examples = gr.Dataset(
                        components=[question],
                        samples=[],
                        label="Example questions",
                        elem_id="nd-examples",
                    )
                    with gr.Row():
                        new_chat = gr.Button("New conversation", size="sm", elem_id="nd-new")
                    comment = conversations_view.comment_box()  # after a thumbs up/down
                    with gr.Accordion("Settings", open=False, elem_id="nd-settings"):
                        answerer = gr.Dropdown(
                            answerers,
                            value=default,
                            label="Answerer",
                            info="extractive quotes the best sentence; "
                            "local runs the bundled model",
                        )
                        top_k = gr.Slider(
                            1,
                            8,
                            value=max(1, min(8, settings.top_k)),
                            step=1,
                            label="Number of passages",
                        )
                with gr.Column(scale=2, min_width=300):
                    sources = gr.HTML(
                        views.SOURCES_PLACEHOLDER,
                        elem_id="nd-sources",
                        label="Sources",
                        js_on_load=None,
                    )
                    article = gr.HTML(
                        views.ARTICLE_PLACEHOLDER,
                        elem_id="nd-article",
                        label="Article",
                        js_on_load=ARTICLE_JS,
                    )
            with gr.Tab("Library", id="library"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=320):
                    search = gr.Textbox(label="Search by title", elem_id="nd-search")
                    table = gr.HTML(elem_id="nd-library")
                    with gr.Row():
                        doomed = gr.Dropdown(
                            [], label="Article to delete", scale=3, elem_id="nd-delete-choice"
                        )
                        delete_btn = gr.Button(
                            "Delete article", variant="stop", scale=1, elem_id="nd-delete"
                        )
                    delete_msg = gr.HTML()
                with gr.Column(scale=2, min_width=300):
                    files = gr.File(
                        file_count="multiple",
                        file_types=UPLOAD_TYPES,
                        type="filepath",
                        elem_id="nd-upload",
                        label=f"Add articles (up to {settings.max_upload_files} "
                        f"files of {settings.max_upload_mb:g} MB: "
                        ".txt .md .html .htm .jsonl)",
                    )
                    add_btn = gr.Button("Add to library", variant="primary", elem_id="nd-add")
                    results = gr.HTML(elem_id="nd-results")
                    feeds = FeedsSection(assistant, settings)  # ui/feeds_view.py
        with gr.Row(visible=False):  # API-only components for /ingest
            api_files = gr.File(file_count="multiple", type="filepath")
            api_results = gr.JSON()
            api_button = gr.Button()

        chat_out = [question, chatbot, conv, sources, article]
        chat_in = [question, conv, answerer, top_k]
        asked = question.submit(
            respond, chat_in, chat_out, concurrency_id=GENERATE, api_visibility="private"
        )
        picked = examples.click(
            lambda sample: sample[0], examples, question, queue=False, api_visibility="private"
        ).then(respond, chat_in, chat_out, concurrency_id=GENERATE, api_visibility="private")
        new_chat.click(
            new_conversation,
            None,
            [chatbot, conv, sources, article, question],
            cancels=[asked, picked],
            queue=False,
            api_visibility="private",
        )
        chatbot.clear(
            new_conversation,
            None,
            [chatbot, conv, sources, article, question],
            cancels=[asked, picked],
            queue=False,
            api_visibility="private",
        )
        article.click(
            show_citation,
            [conv],
            [sources, article],
            concurrency_limit=None,
            show_progress="hidden",
            api_visibility="private",
        )

        lib_out = [table, doomed, examples]
        search.change(
            library_view,
            search,
            lib_out,
            concurrency_limit=None,
            show_progress="hidden",
            api_visibility="private",
        )
        add_btn.click(
            upload,
            [files, search],
            [results, *lib_out, files],
            concurrency_id=WRITE,
            api_visibility="private",
        )
        delete_btn.click(
            delete,
            [doomed, search],
            [delete_msg, *lib_out],
            concurrency_id=WRITE,
            api_visibility="private",
        )
        demo.load(library_view, None, lib_out, api_visibility="private")
        # Saved conversations (sidebar), thumbs up/down: each answered turn is saved by a step
        # chained after `asked`/`picked` (respond itself does not save).
        chat_parts = dict(chatbot=chatbot, conv=conv, sources=sources, article=article, top_k=top_k)
        conversations_view.attach(
            demo, settings, chat_parts, [asked, picked], [new_chat, chatbot], comment, Conversation
        )
        feeds.wire(library_view, [search], lib_out)

        gr.api(api_ask, api_name="ask", concurrency_id=GENERATE)
        api_button.click(
            api_ingest, api_files, api_results, api_name="ingest", concurrency_id=WRITE
        )
    return demo


def launch_kwargs() -> dict[str, Any]:
    """Arguments for ``Blocks.launch`` that Gradio 6 takes there rather than on Blocks."""
    return {"css": CSS, "footer_links": ["api"]}
