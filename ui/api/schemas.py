"""Pydantic models of every API body and response (they make the OpenAPI document).

Every ``source`` the API returns is public: a URL, or the file's base name for uploads and
local files (never a server path).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qa.answer import Answer, Message

AnswererName = Literal["local", "openai", "extractive"]
TOP_K_MAX = 20


class Strict(BaseModel):
    """A request body: unknown fields are an error (a typo should not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class ErrorResponse(BaseModel):
    """Every error of ``/api/``: one line that says what to do."""

    error: str = Field(examples=["the question is empty: type a question about the articles"])


# -- ask --------------------------------------------------------------------------------------


class AskRequest(Strict):
    """A question, optionally continuing a saved conversation."""

    question: str = Field(description="The question (at most NEWSDESK_MAX_QUESTION_CHARS).")
    history: list[Message] = Field(
        default_factory=list,
        description="Earlier turns, oldest first (ignored with a saved "
        "conversation_id: its own turns are the history).",
    )
    answerer: AnswererName | None = Field(default=None, description="Default: the server's.")
    top_k: int | None = Field(default=None, ge=1, le=TOP_K_MAX, description="Passages, 1–20.")
    stream: bool = Field(
        default=False,
        description="Server-sent events: `sources`, then `token`*, then `answer` (or `error`).",
    )
    conversation_id: str | None = Field(
        default=None, description="Continue this saved conversation (and save the turn in it)."
    )
    save: bool = Field(
        default=False, description="Save the turn in a new conversation (id in the answer)."
    )


class AskResponse(Answer):
    """The same object as ``newsdesk ask --json``, plus where the turn was saved (if it was)."""

    conversation_id: str | None = None
    turn: int | None = None


class TokenEvent(BaseModel):
    """Data of one ``token`` event: an unverified draft token (never the final answer)."""

    text: str


# -- articles ---------------------------------------------------------------------------------


class ArticleOut(BaseModel):
    """One article in the library."""

    doc_id: str
    title: str
    publisher: str = ""
    published_at: str = ""
    source: str = Field(description="The URL, or the file's base name.")


class ArticlePage(BaseModel):
    """One page of the library, newest first."""

    total: int = Field(description="Articles matching the filters (all pages).")
    page: int
    per_page: int
    articles: list[ArticleOut]


class IngestResult(BaseModel):
    """What happened to one uploaded file (or one line of a .jsonl file)."""

    file: str
    status: Literal["added", "replaced", "unchanged", "skipped", "removed"]
    detail: str = ""
    title: str = ""


class IngestResponse(BaseModel):
    """One result per uploaded file (and per ``.jsonl`` line)."""

    results: list[IngestResult]


class UrlRequest(Strict):
    """Add an article from a web address (needs URL intake on the server)."""

    url: str = Field(max_length=2000)


class Deleted(BaseModel):
    """The article that was deleted."""

    doc_id: str
    title: str


# -- health -----------------------------------------------------------------------------------


class StoreHealth(BaseModel):
    """The article store."""

    ok: bool
    documents: int = 0
    chunks: int = 0
    collection: str = ""
    embedding_model: str = ""
    error: str | None = None


class GeneratorHealth(BaseModel):
    """The answerers this server offers."""

    ok: bool
    default: str
    available: list[str]


class DatabaseHealth(BaseModel):
    """The shared database (conversations, feedback)."""

    ok: bool
    conversations: int = 0
    feedback: int = 0
    error: str | None = None


class Health(BaseModel):
    """``ok`` when store, generator and database all work (else 503 with the same body)."""

    status: Literal["ok", "degraded"]
    store: StoreHealth
    generator: GeneratorHealth
    database: DatabaseHealth
    version: str


# -- conversations ----------------------------------------------------------------------------


class ConversationSummaryOut(BaseModel):
    """A saved conversation as listed."""

    id: str
    title: str
    owner: str = Field(description="user:NAME, browser:ID or api[:KEYID].")
    created_at: dt.datetime
    updated_at: dt.datetime
    turn_count: int


class ConversationPage(BaseModel):
    """Saved conversations, most recently active first."""

    total: int
    conversations: list[ConversationSummaryOut]


class TurnOut(BaseModel):
    """One saved question and its answer."""

    position: int
    question: str
    answer: Answer
    settings: dict[str, Any]
    created_at: dt.datetime


class ConversationOut(ConversationSummaryOut):
    """A saved conversation with its turns, oldest first."""

    turns: list[TurnOut]


class RenameRequest(Strict):
    """A new title."""

    title: str = Field(min_length=1, max_length=200)


# -- feedback ---------------------------------------------------------------------------------


class FeedbackRequest(Strict):
    """A verdict on a saved turn (``conversation_id`` + ``turn``) or on an ``answer`` object."""

    verdict: Literal["up", "down"]
    comment: str = Field(default="", max_length=2000)
    conversation_id: str | None = None
    turn: int | None = Field(default=None, ge=0)
    answer: Answer | None = Field(
        default=None, description="The answer object from /api/v1/ask, when it was not saved."
    )
    history: list[Message] = Field(default_factory=list, description="With `answer` only.")

    @model_validator(mode="after")
    def _one_target(self) -> FeedbackRequest:
        saved = self.conversation_id is not None and self.turn is not None
        if saved == (self.answer is not None):
            raise ValueError("give either conversation_id and turn, or answer")
        return self


class FeedbackOut(BaseModel):
    """The stored verdict."""

    id: int
    verdict: str
    conversation_id: str | None
    turn: int | None
    outcome: str
    created_at: dt.datetime
