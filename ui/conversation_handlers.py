"""What the chat's saved-conversations sidebar and its thumbs up/down do (the event handlers).

Laid out and wired by :mod:`ui.conversations_view`; everything stored goes through
:class:`qa.conversations.Conversations` and :class:`qa.feedback.FeedbackStore`.

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
import tempfile
import uuid
from pathlib import Path
from typing import Any, cast

import gradio as gr

from index.db import DatabaseError, open_database
from index.settings import Settings
from qa.conversations import ConversationNotFound, Conversations, to_markdown, turn_settings
from qa.feedback import FeedbackStore, Verdict
from ui import views

log = logging.getLogger(__name__)
LISTED = 100  # conversations shown in the sidebar
DB_ERRORS = (DatabaseError, ConversationNotFound)
NO_ANSWER = "nd-error"  # class of the chat's error bubbles (they have no answer to rate)


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


def export_file(conversation: Any) -> str:
    """Write the conversation as Markdown to a temporary file; returns its path."""
    folder = Path(tempfile.gettempdir()) / "newsdesk-exports" / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", conversation.summary.title).strip("-")[:50] or "chat"
    path = folder / f"{slug}.md"
    path.write_text(to_markdown(conversation), encoding="utf-8")
    return str(path)


class ConversationHandlers:
    """The sidebar's and the thumbs' event handlers (one instance per app; per-session data
    lives in gr.State)."""

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
        note = ""
        if open_id:
            try:
                conv = self.store().get(open_id, owner)
                state |= {"open": conv.summary.id, "saved": len(conv.turns)}
                chat = self.restore(conv)
            except ConversationNotFound:  # deleted, or another owner's: forget it
                stored["open"] = None
            except DatabaseError as exc:  # unreachable for now: keep it for the next reload
                log.warning("could not reopen conversation %s: %s", open_id, exc)
                note = views.error_html(f"could not reopen your conversation ({exc}); reload")
        return (stored, state, *self.listing(owner, state["open"], note), *chat)

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
                    turn_settings(answer, top_k, self.settings),
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
