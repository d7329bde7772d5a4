"""The Gradio front end: chat with cited sources, the article viewer, and the library.

A thin layer, built from three parts: the Chat tab (:mod:`ui.chat_tab`: questions go to
:class:`qa.assistant.Assistant`), the Library tab (:mod:`ui.library_tab`: files go to the
Library service, feeds to :mod:`ui.feeds_view`) and the named API endpoints ``/ask`` and
``/ingest`` (:mod:`ui.app_api`). The saved-conversations sidebar and thumbs up/down are
:mod:`ui.conversations_view`; everything shown is rendered by :mod:`ui.views`.

Generation runs one at a time (queue concurrency 1, shared by the chat and ``/ask``), so a
waiting user sees their queue position.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from index.settings import Settings
from ui import conversations_view
from ui.app_api import AppApi
from ui.chat_tab import ChatTab, Conversation
from ui.library_tab import LibraryTab

CSS = (Path(__file__).resolve().parent / "app.css").read_text(encoding="utf-8")
BRAND = (
    '<div class="nd-brand"><h1>Newsdesk</h1><p>Answers from your news articles, '
    "every claim cited to the passage it came from.</p></div>"
)


def build_app(assistant: Any, settings: Settings, answerers: list[str] | None = None) -> gr.Blocks:
    """The whole app. Launch it with ``launch_kwargs()`` (css/head live on launch in Gradio 6).

    ``answerers`` are the choices offered (default: ``available_answerers(settings)``); the
    first one is the default unless ``settings.answerer`` is among them.
    """
    if answerers is None:
        from qa.generators import available_answerers

        answerers = available_answerers(settings)
    default = settings.answerer if settings.answerer in answerers else answerers[0]

    with gr.Blocks(title="Newsdesk", fill_width=True) as demo:
        gr.HTML(BRAND, elem_id="nd-title", padding=False)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                chat = ChatTab(assistant, settings, answerers, default)
            with gr.Tab("Library", id="library"), gr.Row(equal_height=False):
                library = LibraryTab(assistant, settings)
        api = AppApi(assistant, default)

        answered = chat.wire()
        library.wire(demo, chat.examples)
        # Saved conversations (sidebar), thumbs up/down: each answered turn is saved by a step
        # chained after the answering events (respond itself does not save).
        conversations_view.attach(
            demo,
            settings,
            chat.parts(),
            answered,
            [chat.new_chat, chat.chatbot],
            chat.comment,
            Conversation,
        )
        library.wire_feeds()
        api.wire()
    return demo


def launch_kwargs() -> dict[str, Any]:
    """Arguments for ``Blocks.launch`` that Gradio 6 takes there rather than on Blocks."""
    return {"css": CSS, "footer_links": ["api"]}
