"""Saved conversations: every answered turn kept server-side, per owner, in the shared database.

An *owner* is a signed-in user (``user:NAME``), a browser without a login (``browser:ID``,
a random id the browser keeps) or an API caller (``api`` / ``api:KEYID``). Answers are stored
as the :class:`~qa.answer.Answer` JSON with public sources (a URL or a file's base name, never
a server path), so whatever reads them back (the UI, the API, the Markdown export, the
feedback export) shows no server path.

Example:
    >>> title_for("  Who is   Russia's ambassador to the US?  ")
    "Who is Russia's ambassador to the US?"
    >>> public_source("/srv/newsdesk/uploads/vellmoor.txt"), public_source("https://x.org/a")
    ('vellmoor.txt', 'https://x.org/a')
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from index.db import Base, Database, open_database
from index.errors import NewsdeskError
from index.settings import Settings
from qa.answer import Answer

TITLE_CHARS = 80
ID_RE = re.compile(r"^[0-9a-f]{32}$")


class ConversationNotFound(NewsdeskError, LookupError):
    """No conversation (or turn) with that id for this owner."""


class ConversationRow(Base):
    """One saved conversation (its turns are in :class:`TurnRow`)."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_owner_updated", "owner", "updated_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    turn_count: Mapped[int] = mapped_column(Integer, default=0)


class TurnRow(Base):
    """One question and its answer inside a conversation (``position`` 0, 1, …)."""

    __tablename__ = "conversation_turns"

    conversation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer_json: Mapped[str] = mapped_column(Text)
    settings_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@dataclass
class Summary:
    """A conversation as listed: no turns."""

    id: str
    owner: str
    title: str
    created_at: dt.datetime
    updated_at: dt.datetime
    turns: int


@dataclass
class Turn:
    """One saved turn: the question, its answer and the settings it was asked with."""

    position: int
    question: str
    answer: Answer
    settings: dict[str, Any]
    created_at: dt.datetime


@dataclass
class Conversation:
    """A saved conversation with its turns, oldest first."""

    summary: Summary
    turns: list[Turn] = field(default_factory=list)

    def history(self, upto: int | None = None) -> list[dict[str, str]]:
        """The turns before ``upto`` (all by default) as ``{"role", "content"}`` messages."""
        messages: list[dict[str, str]] = []
        for turn in self.turns[:upto]:
            messages += [
                {"role": "user", "content": turn.question},
                {"role": "assistant", "content": turn.answer.answer},
            ]
        return messages


def now() -> dt.datetime:
    """The current UTC time (stored naive-safe: microseconds keep the order of quick turns)."""
    return dt.datetime.now(dt.UTC)


def title_for(question: str) -> str:
    """A conversation's title: its first question, whitespace collapsed, cut at 80 chars."""
    text = re.sub(r"\s+", " ", question).strip()
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def public_source(source: object) -> str:
    """A URL as is; a file path as its base name (``x.jsonl#3`` keeps its line)."""
    text = str(source or "")
    if re.match(r"(?i)https?://", text):
        return text
    return PurePath(text.replace("\\", "/")).name if text else ""


def public_answer(answer: Answer) -> Answer:
    """The answer with every ``source`` made public (see :func:`public_source`)."""
    return answer.model_copy(
        update={
            "citations": [
                c.model_copy(update={"source": public_source(c.source)}) for c in answer.citations
            ],
            "retrieved": [
                p.model_copy(update={"source": public_source(p.source)}) for p in answer.retrieved
            ],
        }
    )


def turn_settings(answer: Answer, top_k: float | None, settings: Settings) -> dict[str, Any]:
    """The settings an answer was made with, saved with its turn (``top_k`` None: the default)."""
    return {
        "answerer": answer.answerer,
        "top_k": int(top_k or settings.top_k),
        "collection": settings.collection,
        "embedding_model": settings.embedding_model,
    }


def _summary(row: ConversationRow) -> Summary:
    return Summary(
        row.id, row.owner, row.title, _utc(row.created_at), _utc(row.updated_at), row.turn_count
    )


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Conversations:
    """Create, list, read, rename and delete saved conversations (``owner=None``: any owner)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, settings: Settings) -> Conversations:
        """The conversations in the shared database of ``settings`` (migrated on open)."""
        return cls(open_database(settings))

    def add_turn(
        self,
        owner: str,
        conversation_id: str | None,
        answer: Answer,
        settings: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        """Append an answered turn (to a new conversation when ``conversation_id`` is None).

        Returns ``(conversation_id, position)``; raises ConversationNotFound for an id that
        does not exist or belongs to another owner.
        """
        answer = public_answer(answer)
        stamp = now()
        with self.db.session() as s:
            if conversation_id is None:
                row = ConversationRow(
                    id=uuid.uuid4().hex,
                    owner=owner,
                    title=title_for(answer.question),
                    created_at=stamp,
                    updated_at=stamp,
                    turn_count=0,
                )
                s.add(row)
            else:
                row = self._row(s, conversation_id, owner, lock=True)
            position = row.turn_count
            s.add(
                TurnRow(
                    conversation_id=row.id,
                    position=position,
                    question=answer.question,
                    answer_json=answer.model_dump_json(),
                    settings_json=json.dumps(settings or {}, sort_keys=True),
                    created_at=stamp,
                )
            )
            row.turn_count = position + 1
            row.updated_at = stamp
            return row.id, position

    def list(self, owner: str | None, limit: int = 100, offset: int = 0) -> list[Summary]:
        """Summaries, most recently active first."""
        query = select(ConversationRow)
        if owner is not None:
            query = query.where(ConversationRow.owner == owner)
        query = query.order_by(ConversationRow.updated_at.desc(), ConversationRow.id.desc())
        with self.db.session() as s:
            rows = s.scalars(query.limit(limit).offset(offset)).all()
            return [_summary(r) for r in rows]

    def count(self, owner: str | None = None) -> int:
        """How many conversations ``owner`` has (all owners when None)."""
        query = select(func.count()).select_from(ConversationRow)
        if owner is not None:
            query = query.where(ConversationRow.owner == owner)
        with self.db.session() as s:
            return int(s.scalar(query) or 0)

    def get(self, conversation_id: str, owner: str | None = None) -> Conversation:
        """The conversation with its turns; raises ConversationNotFound."""
        with self.db.session() as s:
            row = self._row(s, conversation_id, owner)
            turns = s.scalars(
                select(TurnRow).where(TurnRow.conversation_id == row.id).order_by(TurnRow.position)
            ).all()
            return Conversation(
                _summary(row),
                [
                    Turn(
                        t.position,
                        t.question,
                        Answer.model_validate_json(t.answer_json),
                        json.loads(t.settings_json or "{}"),
                        _utc(t.created_at),
                    )
                    for t in turns
                ],
            )

    def rename(self, conversation_id: str, title: str, owner: str | None = None) -> Summary:
        """Give a conversation a new title (whitespace collapsed, at most 80 characters)."""
        title = title_for(title)
        if not title:
            raise ValueError("the title is empty")
        with self.db.session() as s:
            row = self._row(s, conversation_id, owner)
            row.title = title
            return _summary(row)

    def delete(self, conversation_id: str, owner: str | None = None) -> None:
        """Delete a conversation and its turns (feedback given on them is kept)."""
        with self.db.session() as s:
            row = self._row(s, conversation_id, owner)
            s.execute(delete(TurnRow).where(TurnRow.conversation_id == row.id))
            s.delete(row)

    @staticmethod
    def _row(s: Any, conversation_id: str, owner: str | None, lock: bool = False) -> Any:
        if not isinstance(conversation_id, str) or not ID_RE.match(conversation_id):
            raise ConversationNotFound(f"no conversation with id {str(conversation_id)[:40]!r}")
        query = select(ConversationRow).where(ConversationRow.id == conversation_id)
        if owner is not None:
            query = query.where(ConversationRow.owner == owner)
        if lock:
            query = query.with_for_update()
        row = s.scalars(query).first()
        if row is None:
            raise ConversationNotFound(f"no conversation with id {conversation_id!r}")
        return row


# -- Markdown export ---------------------------------------------------------------------------


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.strip().splitlines())


def _byline(parts: Sequence[str]) -> str:
    return " · ".join(p for p in parts if p)


def to_markdown(conversation: Conversation) -> str:
    """The conversation as Markdown: each question, its cited answer, and the quoted passages.

    >>> from qa.answer import Citation
    >>> c = Citation(n=1, doc_id="d", title="Talks", source="a.txt", chunk_id="c",
    ...              text="Kislyak said so.", quote="Kislyak said so.", start=0, end=16,
    ...              score=1.0)
    >>> a = Answer(question="Who?", standalone_question="Who?", answer="Kislyak [1].",
    ...            refused=False, citations=[c], answerer="extractive")
    >>> s = Summary("ab", "me", "Who?", now(), now(), 1)
    >>> print(to_markdown(Conversation(s, [Turn(0, "Who?", a, {}, now())])).split("## ")[1])
    1. Who?
    <BLANKLINE>
    Kislyak [1].
    <BLANKLINE>
    **Sources**
    <BLANKLINE>
    [1] Talks — a.txt
    <BLANKLINE>
    > Kislyak said so.
    <BLANKLINE>
    """
    s = conversation.summary
    out = [
        f"# {s.title}",
        "",
        f"_Exported from Newsdesk · started {s.created_at:%Y-%m-%d %H:%M} UTC_",
    ]
    for turn in conversation.turns:
        a = turn.answer
        out += ["", f"## {turn.position + 1}. {turn.question}", "", a.answer.strip()]
        if a.refused or not a.citations:
            continue
        out += ["", "**Sources**"]
        for c in sorted(a.citations, key=lambda c: c.n):
            meta = _byline([c.publisher, c.published_at[:10], public_source(c.source)])
            out += ["", f"[{c.n}] {c.title}" + (f" — {meta}" if meta else ""), "", _quote(c.quote)]
    return "\n".join(out) + "\n"
