"""Prompts for the generator, kept short: prompt length is the main cost on 2 CPU cores.

The answer prompt asks for a short plain answer with no [n] markers: the bundled 1.5B model,
asked to cite, often answers with nothing but "[1]" (DESIGN.md). Citations are attached and
checked in code (``qa.citations``). The fixed system text comes first so llama.cpp can reuse
its KV cache across questions.
"""

from __future__ import annotations

from langchain_core.prompts import ChatPromptTemplate

from qa.answer import Passage

REFUSAL = "The articles don't say."

ANSWER_SYSTEM = (
    "You answer questions about news articles. Use only the numbered passages. "
    "Answer in one or two short sentences of plain text, without citation markers. "
    "Give names, numbers and dates exactly as the passages do. "
    f"If the passages do not contain the answer, reply exactly: {REFUSAL}"
)

ANSWER_PROMPT = ChatPromptTemplate.from_messages(
    [("system", ANSWER_SYSTEM), ("human", "Passages:\n{passages}\n\nQuestion: {question}")]
)

CONDENSE_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "Rewrite the user's last question so it can be understood without the "
            "conversation: replace pronouns and vague references with the names they refer "
            "to. If it is already self-contained, return it unchanged. Return only the "
            "question.",
        ),
        ("human", "Conversation:\n{history}\n\nLast question: {question}\n\nRewritten question:"),
    ]
)


def format_passages(passages: list[Passage], max_words: int = 170) -> str:
    """Numbered passages with title and date, each trimmed to about ``max_words`` words."""
    blocks = []
    for i, p in enumerate(passages, start=1):
        words = p.text.split()
        body = " ".join(words[:max_words]) + (" …" if len(words) > max_words else "")
        head = p.title + (f" ({p.publisher}, {p.published_at})" if p.published_at else "")
        blocks.append(f"[{i}] {head}\n{body}")
    return "\n\n".join(blocks)
