"""The extractive answerer: the best-supported sentence(s) of the passages, no language model.

Fast and deterministic; also the fallback when a generator's output is empty, a bare marker,
or not supported by the passages.

The sentence that matches the question often describes the thing, and its neighbour names it
("Russia's ambassador … admitted …" / "… Sergey Kislyak said"): when the best-matching sentence
does not hold the kind of answer asked for, the answer reaches into the next one or two
sentences (or the one before) for it.

Example:
    >>> from qa.answer import Passage
    >>> p = Passage(rank=1, chunk_id="c", doc_id="d", title="Talks", source="s", start=0, end=60,
    ...             text="Talks stalled. Kerry and Lavrov are due in Munich on Thursday.", score=1)
    >>> extract("When are Kerry and Lavrov due in Munich?", [p])[0]
    'Kerry and Lavrov are due in Munich on Thursday.'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.sentences import split_sentences
from qa.answer import Passage
from qa.answer_type import Kind, carries, full_name, wanted
from qa.policy import AnswerPolicy
from qa.support import contrasted, support, term_set, terms

#: Windows reach at most this far from the matching sentence, and hold at most this many words.
_REACH = ((0, 0), (0, 1), (0, 2), (0, 3), (-1, 0), (-2, 0))
_MAX_WINDOW_WORDS = 80
_NEIGHBOUR_PENALTY = 0.05  # per extra sentence: a single sentence wins a tie
_QUESTION = re.compile(r"\?(\s|$)")  # a sentence that asks (a quoted question is reported speech)
_FULL_NAME_BONUS = 0.2  # "who": a full name beats a lone capitalised word (dev split)


@dataclass(frozen=True)
class _Candidate:
    score: float
    rank: int
    start: int
    text: str


def extract(
    question: str, passages: list[Passage], policy: AnswerPolicy | None = None
) -> tuple[str, float]:
    """The sentence (or short run of neighbouring sentences) that best answers the question.

    Returns the text and its score; ("", score) when nothing answers it.

    The matching sentence must cover much of the question's content; the text must add
    something the question does not already say (a headline that restates the question is not
    an answer) and hold the kind of answer asked for (a number for "how many", a date for
    "when", a name for "who").
    """
    policy = policy or AnswerPolicy()
    kind = wanted(question)
    best: _Candidate | None = None
    best_match = 0.0
    for p in passages:
        for cand, match in _candidates(question, kind, p, policy):
            best_match = max(best_match, match)
            if best is None or (-cand.score, cand.rank, cand.start) < (
                -best.score,
                best.rank,
                best.start,
            ):
                best = cand
    if best is None:
        return "", best_match
    if best.score + 0.02 * (best.rank - 1) < policy.extract_min_support:
        return "", best.score
    return best.text, best.score


def _candidates(
    question: str, kind: Kind | None, p: Passage, policy: AnswerPolicy
) -> list[tuple[_Candidate, float]]:
    asked = term_set(question)
    topic = {t.norm for t in terms(question) if not t.key}  # what is asked about, beyond names
    sents = [(s, e) for s, e in split_sentences(p.text) if p.text[s:e].strip() != p.title]
    out = []
    for i, (s, e) in enumerate(sents):
        match = support(question, p.text[s:e])
        if match < policy.part_support:
            continue
        for back, ahead in _REACH:
            lo, hi = i + back, i + ahead
            if lo < 0 or hi >= len(sents):
                continue
            text = p.text[sents[lo][0] : sents[hi][1]]
            if lo != hi and (
                len(text.split()) > _MAX_WINDOW_WORDS or match < policy.extract_min_support
            ):
                continue  # a neighbour may hold the answer of a sentence that is on the question
            if not _answers(question, kind, text, asked, topic, p.title):
                continue
            if lo < i and support(question, p.text[sents[lo][0] : s]) < policy.part_support:
                continue  # what comes before the match must itself be about the question
            score = support(question, text) - 0.02 * (p.rank - 1) - _NEIGHBOUR_PENALTY * (hi - lo)
            if kind == "name" and full_name(text, question):
                score += _FULL_NAME_BONUS
            out.append((_Candidate(round(score, 4), p.rank, sents[lo][0], text), match))
    return out


def _answers(
    question: str,
    kind: Kind | None,
    text: str,
    asked: frozenset[str],
    topic: set[str],
    title: str,
) -> bool:
    """The text adds to the question, is about what is asked, and holds the kind asked for."""
    if _QUESTION.search(text):  # a question in the article ("Who directed Titanic?") is no answer
        return False
    own = terms(text)
    if len(own) < 3 or not any(t.norm not in asked for t in own):
        return False
    if contrasted(question, text):  # asked about the injured, the text counts the dead
        return False
    have = {t.norm for t in own} | term_set(title)
    if topic and len(topic & have) * 2 < len(topic):
        return False  # names match, but not what is asked about them
    return carries(kind, text, question)
