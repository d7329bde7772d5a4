"""The answer object every entry point returns (Python, CLI ``--json``, Gradio ``/ask``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Message(BaseModel):
    """One turn of the conversation so far."""

    role: Literal["user", "assistant"]
    content: str


class Passage(BaseModel):
    """A retrieved passage as given to the answerer (1-based ``rank``)."""

    rank: int
    chunk_id: str
    doc_id: str
    title: str
    source: str
    publisher: str = ""
    published_at: str = ""
    start: int  # offsets of the passage in the cleaned article text
    end: int
    text: str
    score: float


class Citation(BaseModel):
    """A passage cited by the answer, with the span that supports it."""

    n: int  # the [n] marker in the answer text, numbered in order of first use
    doc_id: str
    title: str
    source: str
    publisher: str = ""
    published_at: str = ""
    chunk_id: str
    text: str  # the whole passage
    quote: str  # the supporting span inside the passage
    start: int  # offsets of the quote in the cleaned article text
    end: int
    score: float  # support score of the quote for the sentence(s) citing it, 0..1


class Sentence(BaseModel):
    """One sentence of the answer and the citations that support it."""

    text: str
    citations: list[int] = Field(default_factory=list)
    supported: bool


class Answer(BaseModel):
    """A question's answer with verified citations, or a refusal."""

    question: str
    standalone_question: str
    answer: str  # text with [n] markers
    refused: bool
    citations: list[Citation] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)
    retrieved: list[Passage] = Field(default_factory=list)
    answerer: str
    draft: str = ""  # the generator's own output before verification ("" for extractive)
    timings_ms: dict[str, float] = Field(default_factory=dict)
