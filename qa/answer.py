"""The answer object every entry point returns (Python, CLI ``--json``, Gradio ``/ask``)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field, model_validator

#: How an answer was made (every entry point and report counts these):
#: ``model`` the generator's draft, verified; ``model+fallback`` the draft failed verification
#: and the best-supported extract stands in; ``model+turned`` the model said "Yes" and the
#: passages deny the claim, so "No" is shown, cited by them; ``extractive`` the extractive
#: answerer (no model);
#: ``refused:retrieval`` nothing on topic was retrieved (no model call); ``refused:model`` the
#: generator said the passages don't answer it; ``refused:verifier`` the draft's facts are not in
#: the passages and no extract answers it.
Outcome = Literal[
    "model",
    "model+fallback",
    "model+turned",
    "extractive",
    "refused:retrieval",
    "refused:model",
    "refused:verifier",
]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)


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
    url: str = ""  # the article's web address, when it has one
    updated_at: str = ""  # date of the version quoted, when it updates the published one
    #: Other copies of the same story (wire copies at other URLs): publisher, url, title.
    also_in: list[dict[str, str]] = Field(default_factory=list)
    #: Cosine similarity of the passage's closest sentence to the question, set when the
    #: retriever leaned on meaning because no sentence matched the question's words
    #: (``qa.retriever.HybridRetriever._by_meaning``); the prompt then shows more of it.
    by_meaning: float | None = None


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
    url: str = ""
    updated_at: str = ""
    also_in: list[dict[str, str]] = Field(default_factory=list)  # as on the passage


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
    outcome: Outcome = "extractive"
    draft: str = ""  # the generator's own output before verification ("" for extractive)
    second_look: str = ""  # the model's reply when re-asked after refusing ("" when not asked)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    #: Tokens the local model processed for this answer: ``prompt`` (evaluated, after the
    #: reused prefix), ``prompt_cached`` (reused from the KV cache), ``generated``, and the
    #: same for ``condense_*`` when a follow-up needed a model rewrite and ``second_*`` when
    #: the model was asked again after refusing. Empty without a model.
    model_tokens: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _from_passages(self) -> Answer:
        """Citations carry their passage's url, version date and ``also_in`` (wire copies)."""
        by_chunk = {p.chunk_id: p for p in self.retrieved}
        for c in self.citations:
            p = by_chunk.get(c.chunk_id)
            if p is not None:
                c.url = c.url or p.url
                c.updated_at = c.updated_at or p.updated_at
                c.also_in = c.also_in or [dict(x) for x in p.also_in]
        return self


class Sources(BaseModel):
    """The first event of an answer stream: the retrieved passages, before any model call.

    ``highlights[i]`` is the (start, end) of the sentence of ``passages[i]`` that best matches
    the question, as offsets into that passage's ``text`` ("found so far", not yet a citation).
    """

    question: str
    standalone_question: str
    passages: list[Passage] = Field(default_factory=list)
    highlights: list[tuple[int, int]] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)


#: What :meth:`qa.assistant.Assistant.stream` yields: one ``Sources``, then draft tokens
#: (``str``, unverified: show them as a draft, never as the answer), then one ``Answer``.
StreamEvent = Sources | str | Answer
