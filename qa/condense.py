"""Turn a follow-up question into a standalone one, with guards against the known failures.

A greeting or a self-contained question passes through unchanged without calling the model;
a rewrite that is empty, far longer than the question, or looks like an answer is discarded.

Example:
    >>> needs_context("What did he say about it?")
    True
    >>> needs_context("Who is Russia's ambassador to the UN?")
    False
    >>> needs_context("Hello!")
    False
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qa.answer import Message

_GREETING = re.compile(
    r"^\s*(hi|hello|hey|thanks|thank you|good (morning|afternoon|evening)|bye|ok(ay)?)\b[\s!.,?]*$",
    re.I,
)
_ANAPHORA = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|there|"
    r"then|the same|such|the former|the latter|the other|what about|how about|and what|why|"
    r"also|else|more)\b",
    re.I,
)


def needs_context(question: str) -> bool:
    """True when the question refers back to the conversation (pronouns, "what about", ...)."""
    if _GREETING.match(question):
        return False
    return bool(_ANAPHORA.search(question)) or len(question.split()) <= 3


def format_history(history: list[Message], max_turns: int = 4, max_chars: int = 400) -> str:
    """The last few turns as 'User: …' / 'Assistant: …' lines, each trimmed."""
    lines = []
    for m in history[-max_turns:]:
        text = re.sub(r"\s*\[\d+\]", "", m.content).strip()
        lines.append(f"{'User' if m.role == 'user' else 'Assistant'}: {text[:max_chars]}")
    return "\n".join(lines)


def condense(
    question: str, history: list[Message], rewrite: Callable[[str, str], str] | None
) -> str:
    """The standalone question for retrieval and answering.

    ``rewrite(history_text, question)`` calls a model; without one (extractive answerer),
    the previous user question is appended so retrieval still sees what "it" refers to.
    """
    if not history or not needs_context(question):
        return question
    if rewrite is None:
        previous = next((m.content for m in reversed(history) if m.role == "user"), "")
        return f"{question} ({previous.strip()})" if previous else question
    out = rewrite(format_history(history), question).strip().strip('"').strip()
    out = out.splitlines()[0].strip() if out else ""
    out = re.sub(r"^(rewritten question|question)\s*:\s*", "", out, flags=re.I)
    if not out or len(out) > 3 * len(question) + 80 or not out.endswith("?"):
        previous = next((m.content for m in reversed(history) if m.role == "user"), "")
        return f"{question} ({previous.strip()})" if previous else question
    return out
