"""Readers' verdicts on answers (thumbs up/down, optional comment), kept for the gold set.

Each verdict is stored with everything needed to replay the question: the question, the
history before it, the whole answer (citations, outcome, answerer) and the settings it was
asked with, so it survives the conversation being deleted. One verdict per saved turn: voting
again replaces it.

:func:`gold_record` turns a verdict into a gold-set line that ``newsdesk eval`` reads
(see ``eval/runner.py``): a thumbs-up answer becomes a gold candidate (its answer text, the
cited articles and the quoted passages as evidence; a thumbs-up refusal an ``unanswerable``
question); a thumbs-down answer is marked for review (``"review": true``, type
``needs-review``, no gold answer until a reviewer writes one).

Example:
    >>> answer_text("Kislyak [1] said so [1, 2].")
    'Kislyak said so.'
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from index.db import Base, Database, open_database
from index.settings import Settings
from qa.answer import OUTCOMES, Answer
from qa.conversations import (
    ConversationNotFound,
    Conversations,
    now,
    public_answer,
    public_source,
)

Verdict = Literal["up", "down"]
VERDICTS: tuple[Verdict, ...] = ("up", "down")
MAX_COMMENT = 2000
_MARKERS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


class FeedbackRow(Base):
    """One verdict on one answer."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("conversation_id", "turn", name="uq_feedback_turn"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    turn: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner: Mapped[str] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(8), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    question: Mapped[str] = mapped_column(Text)
    history_json: Mapped[str] = mapped_column(Text, default="[]")
    answer_json: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(32), index=True)
    answerer: Mapped[str] = mapped_column(String(64))
    settings_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@dataclass
class Feedback:
    """A stored verdict, with the answer it is about."""

    id: int
    verdict: str
    comment: str
    question: str
    history: list[dict[str, str]]
    answer: Answer
    settings: dict[str, Any]
    owner: str
    conversation_id: str | None
    turn: int | None
    created_at: dt.datetime


def answer_text(text: str) -> str:
    """An answer without its ``[n]`` markers."""
    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKERS.sub("", text)).strip()


def _clean_comment(comment: str | None) -> str:
    comment = re.sub(r"\s+", " ", comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValueError(
            f"the comment is {len(comment):,} characters; the limit is {MAX_COMMENT:,}"
        )
    return comment


class FeedbackStore:
    """Record verdicts and read them back (for ``feedback export`` and ``feedback stats``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, settings: Settings) -> FeedbackStore:
        """The feedback in the shared database of ``settings``."""
        return cls(open_database(settings))

    def on_turn(
        self,
        conversations: Conversations,
        conversation_id: str,
        turn: int,
        verdict: Verdict,
        comment: str | None = None,
        owner: str | None = None,
    ) -> Feedback:
        """A verdict on a saved turn (replaces an earlier verdict on it).

        Raises ConversationNotFound for an unknown conversation or turn, ValueError for a bad
        verdict or an over-long comment.
        """
        conv = conversations.get(conversation_id, owner)
        if not 0 <= turn < len(conv.turns):
            raise ConversationNotFound(f"conversation {conversation_id!r} has no turn {turn}")
        saved = conv.turns[turn]
        return self._store(
            verdict,
            comment,
            saved.answer,
            conv.history(turn),
            saved.settings,
            conv.summary.owner,
            conversation_id,
            turn,
        )

    def on_answer(
        self,
        answer: Answer,
        verdict: Verdict,
        comment: str | None = None,
        history: Sequence[dict[str, str]] = (),
        settings: dict[str, Any] | None = None,
        owner: str = "api",
    ) -> Feedback:
        """A verdict on an answer that was not saved in a conversation."""
        return self._store(verdict, comment, answer, list(history), settings or {}, owner)

    def _store(
        self,
        verdict: str,
        comment: str | None,
        answer: Answer,
        history: list[dict[str, str]],
        settings: dict[str, Any],
        owner: str,
        conversation_id: str | None = None,
        turn: int | None = None,
    ) -> Feedback:
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be 'up' or 'down', not {str(verdict)[:20]!r}")
        text = _clean_comment(comment)
        answer = public_answer(answer)
        stamp = now()
        with self.db.session() as s:
            row = None
            if conversation_id is not None:
                row = s.scalars(
                    select(FeedbackRow).where(
                        FeedbackRow.conversation_id == conversation_id, FeedbackRow.turn == turn
                    )
                ).first()
            if row is None:
                row = FeedbackRow(
                    conversation_id=conversation_id, turn=turn, created_at=stamp, comment=""
                )
                s.add(row)
            row.owner = owner
            row.verdict = verdict
            if comment is not None:  # None: a new vote keeps the comment given earlier
                row.comment = text
            row.question = answer.question
            row.history_json = json.dumps(history)
            row.answer_json = answer.model_dump_json()
            row.outcome = answer.outcome
            row.answerer = answer.answerer
            row.settings_json = json.dumps(settings, sort_keys=True)
            row.updated_at = stamp
            s.flush()
            return _feedback(row)

    def verdicts(self, conversation_id: str) -> dict[int, str]:
        """``{turn: "up"|"down"}`` of the verdicts given on a saved conversation."""
        with self.db.session() as s:
            rows = s.execute(
                select(FeedbackRow.turn, FeedbackRow.verdict).where(
                    FeedbackRow.conversation_id == conversation_id
                )
            ).all()
        return {int(turn): verdict for turn, verdict in rows if turn is not None}

    def all(self, verdict: str | None = None) -> Iterator[Feedback]:
        """Every verdict (optionally only ``up`` or ``down``), oldest first."""
        query = select(FeedbackRow).order_by(FeedbackRow.id)
        if verdict:
            query = query.where(FeedbackRow.verdict == verdict)
        with self.db.session() as s:
            rows = s.scalars(query).all()
            items = [_feedback(r) for r in rows]
        yield from items

    def stats(self) -> dict[str, Any]:
        """Counts: total, by verdict, and by outcome × verdict."""
        with self.db.session() as s:
            rows = s.execute(select(FeedbackRow.verdict, FeedbackRow.outcome)).all()
        by_verdict: dict[str, int] = {v: 0 for v in VERDICTS}
        by_outcome: dict[str, dict[str, int]] = {o: {v: 0 for v in VERDICTS} for o in OUTCOMES}
        for verdict, outcome in rows:
            by_verdict[verdict] = by_verdict.get(verdict, 0) + 1
            by_outcome.setdefault(outcome, {v: 0 for v in VERDICTS})[verdict] += 1
        return {"total": len(rows), "by_verdict": by_verdict, "by_outcome": by_outcome}


def _feedback(row: FeedbackRow) -> Feedback:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=dt.UTC)
    return Feedback(
        id=row.id,
        verdict=row.verdict,
        comment=row.comment,
        question=row.question,
        history=json.loads(row.history_json or "[]"),
        answer=Answer.model_validate_json(row.answer_json),
        settings=json.loads(row.settings_json or "{}"),
        owner=row.owner,
        conversation_id=row.conversation_id,
        turn=row.turn,
        created_at=created,
    )


# -- gold-set export ---------------------------------------------------------------------------


def gold_record(fb: Feedback) -> dict[str, Any]:
    """One gold-set line (``eval/gold/*.jsonl`` format) for a verdict."""
    a = fb.answer
    earlier = [m["content"] for m in fb.history if m.get("role") == "user"]
    rec: dict[str, Any] = {"id": f"fb{fb.id:05d}", "question": fb.question}
    if earlier:
        rec["turns"] = [*earlier, fb.question]
    if fb.verdict == "up" and not a.refused:
        docs = list(dict.fromkeys(public_source(c.source) for c in a.citations))
        rec |= {
            "answers": [answer_text(a.answer)],
            "docs": [d for d in docs if d],
            "evidence": [{"fact": c.quote, "doc": public_source(c.source)} for c in a.citations],
            "type": "feedback",
            "review": False,
        }
    elif fb.verdict == "up":  # the reader agrees the articles don't say
        rec |= {"answers": [], "docs": [], "evidence": "", "type": "unanswerable", "review": False}
    else:
        rec |= {
            "answers": [],
            "docs": [],
            "evidence": "",
            "type": "needs-review",
            "review": True,
            "rejected_answer": a.answer,
        }
    rec["feedback"] = {
        "verdict": fb.verdict,
        "comment": fb.comment,
        "outcome": a.outcome,
        "answerer": a.answerer,
        "settings": fb.settings,
        "created_at": fb.created_at.isoformat(timespec="seconds"),
        "conversation_id": fb.conversation_id,
        "turn": fb.turn,
    }
    return rec


def export_jsonl(store: FeedbackStore, path: str | Path, verdict: str | None = None) -> int:
    """Write every verdict (or only ``up``/``down``) as gold-set JSONL; returns the count."""
    records = [gold_record(fb) for fb in store.all(verdict)]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with Path(path).open("w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return len(records)
