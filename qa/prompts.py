"""Prompts for the generator, kept short: prompt length is the main cost on 2 CPU cores.

The answer prompt asks for a short plain answer with no [n] markers: the bundled 1.5B model,
asked to cite, often answers with nothing but "[1]" (docs/design.md). Citations are attached and
checked in code (``qa.citations``). The fixed system text comes first so llama.cpp can reuse
its KV cache across questions.
"""

from __future__ import annotations

import re
from itertools import pairwise

from langchain_core.prompts import ChatPromptTemplate

from index.sentences import split_sentences
from qa.answer import Passage
from qa.support import support

REFUSAL = "The articles don't say."

ANSWER_SYSTEM = (
    "You answer questions about news articles. Use only the numbered passages. "
    "Answer in one or two short sentences of plain text, without citation markers. "
    "Give names, numbers and dates exactly as the passages do. "
    f"If the passages do not contain the answer, reply exactly: {REFUSAL}"
)

ANSWER_PROMPT = ChatPromptTemplate.from_messages(
    [("system", ANSWER_SYSTEM), ("human", "Passages:\n{passages}\n\nQuestion: {question}{hint}")]
)

#: The second look after a refusal (``AnswerPolicy.second_look_kinds`` and
#: ``second_look_after``): the small model, asked to copy rather than to answer, finds answers
#: worded unlike the question.
SECOND_LOOK_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "You find answers in news passages. Copy the few words of the passages that "
            f"answer the question. If no words of the passages answer it, reply exactly: {REFUSAL}",
        ),
        ("human", "Passages:\n{passages}\n\nQuestion: {question}\nWords that answer it:"),
    ]
)

#: A yes/no question: not a wh-question, and it opens with an auxiliary verb or one follows
#: a leading phrase ("Between the two reports, has the narrative changed?").
_WH = re.compile(
    r"^\W*((in|of|for|from|on|at|by|to|with)\s+)?(who|whom|whose|what|which|when|where|why|how)\b",
    re.I,
)
_YES_NO = re.compile(
    r"(^|,\s*)(does|do|did|is|are|was|were|has|have|had|can|could|will|would|should)\s", re.I
)
#: Appended to yes/no questions: asked plainly, the small model tends to refuse them.
YES_NO_HINT = "\nStart your answer with Yes or No."


def is_yes_no_question(question: str) -> bool:
    """True for questions answered by yes or no.

    >>> is_yes_no_question("Between the two reports, has the narrative changed?")
    True
    >>> is_yes_no_question("Who does Kerry meet?")
    False
    """
    question = question.strip()
    return not _WH.match(question) and bool(_YES_NO.search(question))


def answer_inputs(
    passages: list[Passage], question: str, max_words: int = 90, wide_words: int | None = None
) -> dict[str, str]:
    """The variables of ``ANSWER_PROMPT`` for a question and its passages: ``max_words`` a
    passage, or ``wide_words`` when the retriever leaned on meaning (:func:`prompt_words`)."""
    words = prompt_words(passages, max_words, wide_words) if wide_words else max_words
    return {
        "passages": format_passages(passages, question, words),
        "question": question,
        "hint": YES_NO_HINT if is_yes_no_question(question) else "",
    }


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


def best_sentence(text: str, question: str) -> tuple[int, int]:
    """Offsets of the sentence of ``text`` that best matches the question (first on ties).

    >>> text = "Abc def. Kerry met Lavrov."
    >>> s, e = best_sentence(text, "Who met Lavrov?"); text[s:e]
    'Kerry met Lavrov.'
    """
    sents = split_sentences(text) or [(0, len(text))]
    scores = [support(question, text[s:e]) for s, e in sents]
    return sents[max(range(len(sents)), key=lambda i: (scores[i], -i))]


#: :func:`focus` keeps the sentence after the best-matching one next when that one holds at
#: least this share of the question. Chosen on the dev split and its 45 session-25 questions:
#: gold answer in the prompt 109 → 112 of 128 (neighbouring 25 → 29 of 30; at 0, 111 and a
#: paraphrased answer lost; the dev split alone 95 → 95 of 103).
NEXT_SENTENCE_SUPPORT = 0.6


def focus(text: str, question: str, max_words: int) -> str:
    """The sentences of a passage that bear most on the question, within ``max_words``.

    Keeps the best-matching sentence, then the one after it when the best holds much of the
    question (``NEXT_SENTENCE_SUPPORT``), then the others by how much of the question they
    hold (nearest first on ties) while the total stays within ``max_words``, and gives them in
    the article's order, with " … " where sentences were left out. A passage that already fits
    is returned whole. On the dev split, the sentence that answers is often two or three
    sentences from the best-matching one, past a long sentence that a window grown
    outward from it cannot skip (docs/design.md).

    >>> focus("Abc def ghi. Kerry met Lavrov. Xyz uvw zz.", "Who met Lavrov?", 4)
    'Kerry met Lavrov.'
    >>> focus("Kerry met Lavrov. A long aside of many words here. Lavrov smiled.",
    ...       "Who met Lavrov?", 6)
    'Kerry met Lavrov. … Lavrov smiled.'
    """
    if len(text.split()) <= max_words:
        return text
    sents = split_sentences(text)
    scores = [support(question, text[s:e]) for s, e in sents]
    best = max(range(len(sents)), key=lambda i: (scores[i], -i))
    # A sentence that holds most of the question describes what is asked; the next one
    # often names it ("… the Security Council meeting on Syria." / "Churkin said …").
    after = best + 1 if scores[best] >= NEXT_SENTENCE_SUPPORT else best
    order = sorted(
        range(len(sents)), key=lambda i: (i != best, i != after, -scores[i], abs(i - best))
    )
    kept: list[int] = []
    words = 0
    for i in order:
        n = len(text[sents[i][0] : sents[i][1]].split())
        if i == best or words + n <= max_words:
            kept.append(i)
            words += n
    kept.sort()
    out = text[sents[kept[0]][0] : sents[kept[0]][1]]
    for prev, i in pairwise(kept):
        joint = " " if i == prev + 1 else " … "
        out += joint + text[sents[i][0] : sents[i][1]]
    return out


def prompt_words(passages: list[Passage], words: int, wide_words: int) -> int:
    """Words per passage for the answer prompt: ``wide_words`` (if more) when the retriever
    leaned on meaning for the question (a passage has ``by_meaning``: no sentence shared
    its words, so :func:`focus`, which keeps the sentences that share most of them, is a poor
    guide to the answer), else ``words``. Dev split, single-turn answerable questions: the
    gold answer in the prompt for 112 of 125 at 65 words, 119 with meaning and 90 words for
    such questions (paraphrased 16 → 21 of 26; eval/RESULTS.md, "More of the passage").

    >>> prompt_words([], 65, 90)
    65
    """
    leaned = any(p.by_meaning is not None for p in passages)
    return max(words, wide_words) if leaned else words


def passage_words(n: int, words_per_passage: int) -> list[int]:
    """Words for each of ``n`` ranked passages: ``n × words_per_passage`` in all, shared in
    proportion to 1/rank, since the first passage holds the answer most often (dev split,
    with :func:`focus`: a gold answer inside the prompt for 124 of 133 answerable questions
    at 106/53/35 words; 118 before, 65 words each around the best sentence).

    >>> passage_words(3, 65)
    [106, 53, 35]
    """
    weights = [1 / rank for rank in range(1, n + 1)]
    total = words_per_passage * n
    return [max(1, round(total * w / sum(weights))) for w in weights]


def format_passages(passages: list[Passage], question: str = "", max_words: int = 90) -> str:
    """Numbered passages with title and date, each focused on the question: ``max_words``
    a passage on average, more for the first (:func:`passage_words`)."""
    blocks = []
    budgets = passage_words(len(passages), max_words)
    for i, (p, words) in enumerate(zip(passages, budgets, strict=True), start=1):
        body = focus(p.text, question, words)
        meta = ", ".join(x for x in (p.publisher, p.published_at) if x)
        head = p.title + (f" ({meta})" if meta else "")
        blocks.append(f"[{i}] {head}\n{body}")
    return "\n\n".join(blocks)
