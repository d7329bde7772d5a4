"""The extractive answerer: the best-supported sentence(s) of the passages, no language model.

Fast and deterministic; also the fallback when a generator's output is empty, a bare marker,
or not supported by the passages.

Example:
    >>> from qa.answer import Passage
    >>> p = Passage(rank=1, chunk_id="c", doc_id="d", title="Talks", source="s", start=0, end=60,
    ...             text="Talks stalled. Kerry and Lavrov are due in Munich on Thursday.", score=1)
    >>> extract("When are Kerry and Lavrov due in Munich?", [p])[0]
    'Kerry and Lavrov are due in Munich on Thursday.'
"""

from __future__ import annotations

from itertools import pairwise

from index.sentences import split_sentences
from qa.answer import Passage
from qa.answer_type import carries, wanted
from qa.support import support, term_set, terms

MIN_SUPPORT = 0.5  # share of the question's content a sentence must contain to answer it
PART_SUPPORT = 0.2  # in a two-sentence answer, the part holding the asked-for kind needs this


def extract(question: str, passages: list[Passage]) -> tuple[str, float]:
    """The sentence (or two neighbouring sentences) that best answers the question.

    Returns the text and its score; ("", score) when nothing answers it.

    A sentence must cover much of the question's content, add something the question does
    not already say (a headline that restates the question is not an answer), and hold the
    kind of answer asked for (a number for "how many", a date for "when", a name for "who").
    """
    asked = term_set(question)
    kind = wanted(question)
    topic = {t.norm for t in terms(question) if not t.key}  # what is asked about, beyond names
    scored: list[tuple[float, int, int, str]] = []
    for p in passages:
        sents = [(s, e) for s, e in split_sentences(p.text) if p.text[s:e].strip() != p.title]
        # Candidates: single sentences, and pairs of neighbours (a quote and its speaker).
        spans = [(s, e, 0.0, [(s, e)]) for s, e in sents]
        spans += [(a[0], b[1], 0.05, [a, b]) for a, b in pairwise(sents)]
        for s, e, penalty, parts in spans:
            sentence = p.text[s:e]
            own = terms(sentence)
            novel = [t for t in own if t.norm not in asked]
            if not novel or len(own) < 3:
                continue
            have = {t.norm for t in own}
            if topic and len(topic & have) * 2 < len(topic):
                continue  # names match, but not what is asked about them
            # The asked-for kind must sit in a part that is itself about the question, not in
            # a neighbour that only came along.
            if not any(
                carries(kind, p.text[a:b], question)
                and (len(parts) == 1 or support(question, p.text[a:b]) >= PART_SUPPORT)
                for a, b in parts
            ):
                continue
            score = support(question, sentence) - 0.02 * (p.rank - 1) - penalty
            scored.append((score, p.rank, s, sentence))
    if not scored:
        return "", 0.0
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    best = scored[0][0]
    if best < MIN_SUPPORT:
        return "", best
    return scored[0][3], best
