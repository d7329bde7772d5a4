"""Turn a follow-up question into a standalone one, without a model call when possible.

A greeting or a self-contained question passes through unchanged. A follow-up that refers back
("What did he say about terrorists?") is first resolved in code against the conversation: a
personal pronoun becomes the person the previous turn named ("he" → "Sergey Kislyak"), and
other references ("it", "that", "what about …") get the previous question as context. Only
when the conversation names nothing is the model asked to rewrite (a second model call: ~5 s
on a 2-core CPU); a rewrite that is empty, rambling or not a question is discarded.

Example:
    >>> needs_context("What did he say about it?")
    True
    >>> needs_context("Who is Russia's ambassador to the UN?")
    False
    >>> history = [Message(role="user", content="Who is Russia's ambassador to the US?"),
    ...            Message(role="assistant", content="Sergey Kislyak [1].")]
    >>> resolve("What did he say about terrorists?", history)
    'What did Sergey Kislyak say about terrorists?'
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
_PERSONAL = re.compile(r"\b(he|she|him|her|his|hers)\b", re.I)
#: A run of capitalised words ("Sergey Kislyak", "John Kerry", "Bashar al-Assad").
_NAME = re.compile(r"\b[A-Z][a-z][\w'’-]*(?:\s+(?:al-|bin\s+|de\s+|van\s+|von\s+)?[A-Z][\w'’-]+)+")
#: Capitalised words that start organisations, places and titles, not people.
_NOT_PERSON = frozenset(
    "the un us uk eu nato foreign defense defence security state states united nations ministry "
    "council department house white kremlin army forces syrian russian american british "
    "secretary minister president ambassador general spokesman spokeswoman monday tuesday "
    "wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december geneva munich aleppo syria russia turkey".split()
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


def people(text: str) -> list[str]:
    """Names of people in a text, in order (runs of capitalised words that are not places,
    organisations or titles).

    >>> people("US Secretary of State John Kerry met Sergei Lavrov in Munich.")
    ['John Kerry', 'Sergei Lavrov']
    """
    found = []
    for m in _NAME.finditer(text):
        words = m.group(0).split()
        while words and _plain(words[0]) in _NOT_PERSON:
            words = words[1:]  # "Secretary John Kerry" → "John Kerry"
        if len(words) >= 2 and not any(_plain(w) in _NOT_PERSON for w in words):
            name = " ".join(words)
            if name not in found:
                found.append(name)
    return found


def _plain(word: str) -> str:
    return word.lower().replace("’", "'").removesuffix("'s")


def resolve(question: str, history: list[Message]) -> str | None:
    """The follow-up made standalone from the conversation alone, or None when it cannot be.

    A personal pronoun is replaced by the one person the last turn names (its answer first,
    then its question); any other reference keeps the previous question as context.
    """
    last_user = next((m.content.strip() for m in reversed(history) if m.role == "user"), "")
    last_answer = next((m.content for m in reversed(history) if m.role == "assistant"), "")
    if not last_user:
        return None
    if _PERSONAL.search(question):
        for text in (re.sub(r"\s*\[\d+\]", "", last_answer), last_user):
            names = people(text)
            if len(names) == 1:
                return _substitute(question, names[0])
        return None
    return f"{question} ({last_user})"


def _substitute(question: str, name: str) -> str:
    possessive = f"{name}'s"

    def repl(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        return possessive if word in ("his", "hers") else name

    # Only the first reference becomes the name: "What did he say when he left?" reads fine.
    return _PERSONAL.sub(repl, question, count=1)


def condense(
    question: str, history: list[Message], rewrite: Callable[[str, str], str] | None
) -> str:
    """The standalone question for retrieval and answering.

    ``rewrite(history_text, question)`` calls a model; it is used only when the conversation
    alone does not resolve the question. Without one, the previous user question is appended
    so retrieval still sees what "it" refers to.
    """
    if not history or not needs_context(question):
        return question
    resolved = resolve(question, history)
    if resolved is not None:
        return resolved
    previous = next((m.content for m in reversed(history) if m.role == "user"), "")
    guard = f"{question} ({previous.strip()})" if previous else question
    if rewrite is None:
        return guard
    out = rewrite(format_history(history), question).strip().strip('"').strip()
    out = out.splitlines()[0].strip() if out else ""
    out = re.sub(r"^(rewritten question|question)\s*:\s*", "", out, flags=re.I)
    if not out or len(out) > 3 * len(question) + 80 or not out.endswith("?"):
        return guard
    return out
