"""The chat's saved conversations (a sidebar) and thumbs up/down with a comment on answers.

Hooked into the chat (:mod:`ui.chat_tab`, built by ``ui/app.py``) with :func:`comment_box`
(placed under the chat) and :func:`attach` (called once the chat's events exist). Every
finished turn is saved by a step chained after the chat's answer event, so ``respond`` itself
knows nothing about saving. The handlers are in :mod:`ui.conversation_handlers`.

Whose conversations: the signed-in user's (``user:NAME``) when the app has a password, else
this browser's (``browser:ID``, a random id kept in the browser's localStorage through
``gr.BrowserState``, which also remembers the open conversation so a reload reopens it).
The database (``index.db``) keeps them across restarts; if it cannot be used, the chat still
works and the sidebar says why.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

import gradio as gr

from index.db import open_database
from index.settings import Settings
from ui.conversation_handlers import ConversationHandlers

log = logging.getLogger(__name__)
STORAGE_KEY = "newsdesk-conversations"
# The sidebar starts closed (on a phone it would cover the chat) and opens on wide screens.
OPEN_ON_WIDE_SCREENS = """() => {
  const bar = document.querySelector('#nd-sidebar');
  if (innerWidth >= 1000 && bar && !bar.classList.contains('open'))
    bar.querySelector('.toggle-button')?.click();
}"""


@dataclass
class CommentBox:
    """The optional comment shown under the chat after a thumbs up/down."""

    group: Any
    text: Any
    send: Any
    note: Any
    target: Any  # gr.State: {"conversation_id", "turn", "verdict"}


def comment_box() -> CommentBox:
    """Create the (hidden) comment row; call inside the chat column."""
    with gr.Group(visible=False, elem_id="nd-feedback") as group:
        note = gr.HTML(elem_id="nd-feedback-note", padding=False)
        with gr.Row():
            text = gr.Textbox(
                show_label=False,
                placeholder="What was right or wrong about this answer? (optional)",
                max_length=2000,
                lines=1,
                max_lines=3,
                scale=4,
                elem_id="nd-feedback-comment",
            )
            send = gr.Button("Send comment", size="sm", scale=1, elem_id="nd-feedback-send")
    return CommentBox(group, text, send, note, gr.State({}))


def browser_secret(settings: Settings) -> str:
    """The key that encrypts the browser's stored state: kept in the database, so it survives
    restarts (a per-process key would forget every browser's open conversation)."""
    try:
        return open_database(settings).stored_secret("browser_state_secret")
    except Exception as exc:  # no database: conversations are off anyway
        log.warning("browser state secret not stored (%s)", type(exc).__name__)
        return secrets.token_urlsafe(24)


@dataclass
class Sidebar:
    """The sidebar's components."""

    listing: Any
    note: Any
    title: Any
    rename: Any
    delete: Any
    export: Any

    def shown(self) -> list[Any]:
        """What every handler refreshes: the list, the note, the title box, the export."""
        return [self.listing, self.note, self.title, self.export]


def sidebar() -> Sidebar:
    """The (closed) sidebar: the conversations, a note, title, rename, delete, export."""
    with gr.Sidebar(label="Conversations", open=False, elem_id="nd-sidebar"):
        gr.HTML('<div class="nd-side-head">Conversations</div>', padding=False)
        listing = gr.Radio(
            [], show_label=False, elem_id="nd-conv-list", container=False, type="value"
        )
        note = gr.HTML(elem_id="nd-conv-note", padding=False)
        title = gr.Textbox(label="Title", max_length=200, elem_id="nd-conv-title")
        with gr.Row():
            rename = gr.Button("Rename", size="sm", elem_id="nd-conv-rename")
            delete = gr.Button("Delete", size="sm", variant="stop", elem_id="nd-conv-delete")
        export = gr.DownloadButton(
            "Export as Markdown", size="sm", elem_id="nd-conv-export", interactive=False
        )
    return Sidebar(listing, note, title, rename, delete, export)


def attach(
    demo: gr.Blocks,
    settings: Settings,
    chat: dict[str, Any],
    answered: list[Any],
    cleared: list[Any],
    comment: CommentBox,
    conversation_cls: type,
) -> None:
    """Add the sidebar and wire saving, resuming, renaming, deleting, exporting and feedback.

    ``chat`` holds the chat's components: ``chatbot``, ``conv`` (its Conversation state),
    ``sources``, ``article`` and ``top_k``. ``answered`` are the events that end with an
    answer in ``conv`` (a save step is chained after each); ``cleared`` the buttons or
    chatbots whose click/clear starts a new conversation.
    """
    bar = sidebar()
    stored = gr.BrowserState(
        {"id": "", "open": None}, storage_key=STORAGE_KEY, secret=browser_secret(settings)
    )
    current = gr.State({"owner": "", "open": None, "saved": 0})
    ui = ConversationHandlers(settings, conversation_cls)
    shown = bar.shown()
    chat_view = [chat["chatbot"], chat["conv"], chat["sources"], chat["article"]]

    demo.load(ui.load, [stored], [stored, current, *shown, *chat_view], api_visibility="private")
    demo.load(None, js=OPEN_ON_WIDE_SCREENS)
    for event in answered:
        event.then(
            ui.save,
            [chat["conv"], current, stored, chat["top_k"]],
            [current, stored, *shown],
            api_visibility="private",
        )
    for trigger in cleared:
        listener = trigger.clear if isinstance(trigger, gr.Chatbot) else trigger.click
        listener(
            ui.forget,
            [current, stored],
            [current, stored, *shown, comment.group],
            queue=False,
            api_visibility="private",
        )
    _wire_sidebar(ui, bar, [current, stored], chat_view, comment)
    _wire_feedback(ui, chat, current, comment)


def _wire_sidebar(
    ui: ConversationHandlers,
    bar: Sidebar,
    states: list[Any],
    chat_view: list[Any],
    comment: CommentBox,
) -> None:
    """Resume, rename and delete from the sidebar (``states``: current, stored)."""
    current, stored = states
    shown = bar.shown()
    bar.listing.input(
        ui.resume,
        [bar.listing, current, stored],
        [current, stored, *shown, *chat_view, comment.group],
        api_visibility="private",
    )
    bar.rename.click(ui.rename, [bar.title, current], shown, api_visibility="private")
    bar.delete.click(
        ui.delete,
        [current, stored],
        [current, stored, *shown, *chat_view, comment.group],
        api_visibility="private",
    )


def _wire_feedback(
    ui: ConversationHandlers, chat: dict[str, Any], current: Any, comment: CommentBox
) -> None:
    """A thumbs up/down on an answer, then the optional comment."""
    chat["chatbot"].like(
        ui.like,
        [chat["conv"], current],
        [comment.target, comment.group, comment.note, comment.text],
        api_visibility="private",
    )
    comment.send.click(
        ui.comment,
        [comment.text, comment.target, current],
        [comment.note, comment.text],
        api_visibility="private",
    )
