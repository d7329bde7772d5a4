"""The chat's saved conversations (a sidebar) and thumbs up/down with a comment on answers.

Hooked into ``ui/app.py`` with :func:`comment_box` (placed under the chat) and :func:`attach`
(called once the chat's events exist). Every finished turn is saved by a step chained after
the chat's answer event, so ``respond`` itself knows nothing about saving.

Whose conversations: the signed-in user's (``user:NAME``) when the app has a password, else
this browser's (``browser:ID``, a random id kept in the browser's localStorage through
``gr.BrowserState``, which also remembers the open conversation so a reload reopens it).
The database (``index.db``) keeps them across restarts; if it cannot be used, the chat still
works and the sidebar says why.

Example:
    >>> msgs = [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"},
    ...         {"role": "user", "content": "q2"},
    ...         {"role": "assistant", "content": '<div class="nd-error">x</div>'},
    ...         {"role": "user", "content": "q3"}, {"role": "assistant", "content": "a3"}]
    >>> answer_turn(msgs, 1), answer_turn(msgs, 3), answer_turn(msgs, 5), answer_turn(msgs, 4)
    (0, None, 1, None)
"""

from __future__ import annotations

import logging
import re
import secrets
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import gradio as gr

from index.db import DatabaseError, open_database
from index.settings import Settings
from qa.conversations import ConversationNotFound, Conversations, to_markdown
from qa.feedback import FeedbackStore, Verdict
from ui import views

log = logging.getLogger(__name__)
STORAGE_KEY = "newsdesk-conversations"
LISTED = 100  # conversations shown in the sidebar
DB_ERRORS = (DatabaseError, ConversationNotFound)
# The sidebar starts closed (on a phone it would cover the chat) and opens on wide screens.
OPEN_ON_WIDE_SCREENS = """() => {
  const bar = document.querySelector('#nd-sidebar');
  if (innerWidth >= 1000 && bar && !bar.classList.contains('open'))
    bar.querySelector('.toggle-button')?.click();
}"""
NO_ANSWER = "nd-error"  # class of the chat's error bubbles (they have no answer to rate)


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


def answer_turn(messages: list[dict[str, Any]], index: Any) -> int | None:
    """The answer number (0-based turn) of chat message ``index``; None if it is no answer."""
    i = index[0] if isinstance(index, list | tuple) else index
    if not isinstance(i, int) or not 0 <= i < len(messages):
        return None

    def is_answer(m: dict[str, Any]) -> bool:
        return m.get("role") == "assistant" and NO_ANSWER not in str(m.get("content", ""))

    if not is_answer(messages[i]):
        return None
    return sum(1 for m in messages[:i] if is_answer(m))


def owner_of(request: gr.Request | None, browser_id: str) -> str:
    """``user:NAME`` when signed in, else ``browser:ID``."""
    name = getattr(request, "username", None) if request is not None else None
    return f"user:{name}" if name else f"browser:{browser_id}"


def browser_secret(settings: Settings) -> str:
    """The key that encrypts the browser's stored state: kept in the database, so it survives
    restarts (a per-process key would forget every browser's open conversation)."""
    from sqlalchemy import text

    try:
        db = open_database(settings)
        with db.session() as s:
            found = s.execute(
                text("SELECT value FROM meta WHERE key = 'browser_state_secret'")
            ).scalar()
            if found:
                return str(found)
            value = secrets.token_urlsafe(24)
            s.execute(
                text("INSERT INTO meta(key, value) VALUES ('browser_state_secret', :v)"),
                {"v": value},
            )
            return value
    except Exception as exc:  # no database: conversations are off anyway
        log.warning("browser state secret not stored (%s)", type(exc).__name__)
        return secrets.token_urlsafe(24)


def export_file(conversation: Any) -> str:
    """Write the conversation as Markdown to a temporary file; returns its path."""
    folder = Path(tempfile.gettempdir()) / "newsdesk-exports" / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", conversation.summary.title).strip("-")[:50] or "chat"
    path = folder / f"{slug}.md"
    path.write_text(to_markdown(conversation), encoding="utf-8")
    return str(path)


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
    ``sources``, ``article``, ``answerer`` and ``top_k``. ``answered`` are the events that end
    with an answer in ``conv`` (a save step is chained after each); ``cleared`` the buttons or
    chatbots whose click/clear starts a new conversation.
    """
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
    stored = gr.BrowserState(
        {"id": "", "open": None}, storage_key=STORAGE_KEY, secret=browser_secret(settings)
    )
    current = gr.State({"owner": "", "open": None, "saved": 0})
    ui = _Handlers(settings, conversation_cls)
    shown = [listing, note, title, export]
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
    listing.input(
        ui.resume,
        [listing, current, stored],
        [current, stored, *shown, *chat_view, comment.group],
        api_visibility="private",
    )
    rename.click(ui.rename, [title, current], shown, api_visibility="private")
    delete.click(
        ui.delete,
        [current, stored],
        [current, stored, *shown, *chat_view, comment.group],
        api_visibility="private",
    )
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


class _Handlers:
    """The event handlers (one instance per app; per-session data lives in gr.State)."""

    def __init__(self, settings: Settings, conversation_cls: type) -> None:
        self.settings = settings
        self.conversation_cls = conversation_cls

    def store(self) -> Conversations:
        return Conversations.open(self.settings)

    def listing(self, owner: str, open_id: str | None, note: str = "") -> tuple[Any, ...]:
        """The sidebar: choices, note, title box and export button."""
        try:
            store = self.store()
            rows = store.list(owner, limit=LISTED)
            conv = store.get(open_id, owner) if open_id else None
        except DB_ERRORS as exc:
            message = views.error_html(f"saved conversations are unavailable: {exc}")
            return gr.Radio(choices=[], value=None), message, gr.skip(), gr.skip()
        choices = [(r.title, r.id) for r in rows]
        if not rows and not note:
            note = '<div class="nd-empty">Your conversations will be listed here.</div>'
        return (
            gr.Radio(choices=choices, value=open_id if conv else None),
            note,
            gr.Textbox(value=conv.summary.title if conv else ""),
            gr.DownloadButton(value=export_file(conv) if conv else None, interactive=bool(conv)),
        )

    def restore(self, conv: Any) -> tuple[Any, ...]:
        """Chatbot messages, Conversation state and panels for a saved conversation."""
        messages: list[dict[str, str]] = []
        answers = [t.answer for t in conv.turns]
        for i, answer in enumerate(answers):
            messages += [
                {"role": "user", "content": views.question_html(answer.question)},
                {"role": "assistant", "content": views.answer_html(answer, i)},
            ]
        sources = views.sources_html(answers[-1], len(answers) - 1) if answers else None
        try:  # the thumbs given earlier are shown again
            given = FeedbackStore(open_database(self.settings)).verdicts(conv.summary.id)
        except DB_ERRORS:
            given = {}
        thumbs = {"up": "Like", "down": "Dislike"}
        return (
            gr.Chatbot(
                value=cast(Any, messages),
                feedback_value=[thumbs.get(given.get(i, "")) for i in range(len(answers))],
            ),
            self.conversation_cls(messages, answers),
            sources or views.SOURCES_PLACEHOLDER,
            views.ARTICLE_PLACEHOLDER,
        )

    def load(self, stored: dict[str, Any] | None, request: gr.Request) -> tuple[Any, ...]:
        stored = dict(stored or {})
        if not re.fullmatch(r"[0-9a-f]{32}", str(stored.get("id") or "")):
            stored["id"] = uuid.uuid4().hex
        owner = owner_of(request, stored["id"])
        state: dict[str, Any] = {"owner": owner, "open": None, "saved": 0}
        chat: tuple[Any, ...] = (gr.skip(),) * 4
        open_id = stored.get("open")
        if open_id:
            try:
                conv = self.store().get(open_id, owner)
                state |= {"open": conv.summary.id, "saved": len(conv.turns)}
                chat = self.restore(conv)
            except DB_ERRORS:
                stored["open"] = None
        return (stored, state, *self.listing(owner, state["open"]), *chat)

    def save(
        self, conv: Any, state: dict[str, Any], stored: dict[str, Any], top_k: float
    ) -> tuple[Any, ...]:
        """Save the answers the conversation gained since the last save."""
        answers = list(getattr(conv, "answers", []))
        if not state.get("owner") or len(answers) <= state.get("saved", 0):
            return (gr.skip(),) * 6
        state = dict(state)
        try:
            store = self.store()
            for answer in answers[state["saved"] :]:
                state["open"], _ = store.add_turn(
                    state["owner"],
                    state["open"],
                    answer,
                    {
                        "answerer": answer.answerer,
                        "top_k": int(top_k or self.settings.top_k),
                        "collection": self.settings.collection,
                        "embedding_model": self.settings.embedding_model,
                    },
                )
        except DB_ERRORS as exc:
            log.warning("could not save the turn: %s", exc)
            if isinstance(exc, ConversationNotFound):  # deleted elsewhere: start a new one
                state |= {"open": None, "saved": 0}
            return (
                state,
                gr.skip(),
                *self.listing(
                    state["owner"], None, views.error_html(f"this answer was not saved ({exc})")
                ),
            )
        state["saved"] = len(answers)
        stored = {**(stored or {}), "open": state["open"]}
        return (state, stored, *self.listing(state["owner"], state["open"]))

    def forget(self, state: dict[str, Any], stored: dict[str, Any]) -> tuple[Any, ...]:
        """A new conversation: nothing open."""
        state = {**state, "open": None, "saved": 0}
        stored = {**(stored or {}), "open": None}
        return (state, stored, *self.listing(state["owner"], None), gr.Group(visible=False))

    def resume(
        self, conv_id: str | None, state: dict[str, Any], stored: dict[str, Any]
    ) -> tuple[Any, ...]:
        """Open a saved conversation in the chat."""
        try:
            conv = self.store().get(str(conv_id), state["owner"])
        except DB_ERRORS as exc:
            return (
                state,
                gr.skip(),
                *self.listing(state["owner"], state.get("open"), views.error_html(str(exc))),
                *(gr.skip(),) * 4,
                gr.skip(),
            )
        state = {**state, "open": conv.summary.id, "saved": len(conv.turns)}
        stored = {**(stored or {}), "open": conv.summary.id}
        return (
            state,
            stored,
            *self.listing(state["owner"], conv.summary.id),
            *self.restore(conv),
            gr.Group(visible=False),
        )

    def rename(self, new_title: str, state: dict[str, Any]) -> tuple[Any, ...]:
        if not state.get("open"):
            return self.listing(state["owner"], None, views.error_html("open a conversation first"))
        try:
            self.store().rename(state["open"], new_title, state["owner"])
        except ValueError:
            return self.listing(state["owner"], state["open"], views.error_html("type a title"))
        except DB_ERRORS as exc:
            return self.listing(state["owner"], state["open"], views.error_html(str(exc)))
        return self.listing(state["owner"], state["open"])

    def delete(self, state: dict[str, Any], stored: dict[str, Any]) -> tuple[Any, ...]:
        if not state.get("open"):
            return (
                state,
                gr.skip(),
                *self.listing(state["owner"], None, views.error_html("open a conversation first")),
                *(gr.skip(),) * 4,
                gr.skip(),
            )
        try:
            self.store().delete(state["open"], state["owner"])
        except DB_ERRORS as exc:
            log.warning("delete failed: %s", exc)
        state = {**state, "open": None, "saved": 0}
        stored = {**(stored or {}), "open": None}
        empty: tuple[Any, ...] = (
            [],
            self.conversation_cls(),
            views.SOURCES_PLACEHOLDER,
            views.ARTICLE_PLACEHOLDER,
        )
        note = '<div class="nd-empty">Conversation deleted.</div>'
        return (
            state,
            stored,
            *self.listing(state["owner"], None, note),
            *empty,
            gr.Group(visible=False),
        )

    def like(self, conv: Any, state: dict[str, Any], evt: gr.LikeData) -> tuple[Any, ...]:
        """Record a thumbs up/down at once, then offer the optional comment."""
        turn = answer_turn(list(getattr(conv, "messages", [])), evt.index)
        verdict: Verdict | None = None
        if isinstance(evt.liked, bool):  # anything else (e.g. an undone vote) is not a verdict
            verdict = "up" if evt.liked else "down"
        if verdict is None:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        if turn is None or not state.get("open") or turn >= state.get("saved", 0):
            note = views.error_html("only saved answers can be rated")
            return {}, gr.Group(visible=True), note, gr.skip()
        try:
            FeedbackStore(open_database(self.settings)).on_turn(
                self.store(), state["open"], turn, verdict, None, owner=state["owner"]
            )
        except DB_ERRORS as exc:
            return {}, gr.Group(visible=True), views.error_html(f"not saved: {exc}"), gr.skip()
        target = {"conversation_id": state["open"], "turn": turn, "verdict": verdict}
        thumb = "👍" if verdict == "up" else "👎"
        note = (
            f'<div class="nd-feedback-thanks">{thumb} Thanks: your verdict on answer {turn + 1} '
            "is saved. Add a comment if you like.</div>"
        )
        return target, gr.Group(visible=True), note, ""

    def comment(self, text: str, target: dict[str, Any], state: dict[str, Any]) -> tuple[Any, ...]:
        if not target or not str(text or "").strip():
            return views.error_html("rate an answer with 👍 or 👎 first, then comment"), gr.skip()
        try:
            FeedbackStore(open_database(self.settings)).on_turn(
                self.store(),
                target["conversation_id"],
                target["turn"],
                cast(Verdict, target["verdict"]),
                text,
                owner=state.get("owner"),
            )
        except (*DB_ERRORS, ValueError) as exc:
            return views.error_html(f"not saved: {exc}"), gr.skip()
        return '<div class="nd-feedback-thanks">Comment saved. Thank you.</div>', ""
