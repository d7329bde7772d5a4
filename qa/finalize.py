"""The last step of the answer path: a model's draft becomes the answer that is shown.

``finalize(draft, passages, question, policy)`` is a pure function (no model, no store): it
decides, in this one place, whether the draft stands, falls back to an extract, or becomes a
refusal, and it attaches the citations. Only supported sentences are ever part of the answer.

    draft ─► refusal phrase? ─► asks a date, and a strong extract? ─ yes ─► model+fallback
          │                                                  └ no ──► refused:model
          ─► "Yes"/"No"? ─► evidence bears on it? ─ yes ───► model
          │                 └ no: a "Yes" the passages deny ─► "No", model+turned
          │                                        └ else ──► refused:verifier
          ─► supported sentences that answer the question,
          │  and not a near miss (qa.on_question) ──────► model
          ─► else the best extract ───────────────────────► model+fallback
          ─► else ────────────────────────────────────────► refused:verifier

Example:
    >>> from qa.answer import Passage
    >>> text = "Kerry and Lavrov will meet in Munich. Talks went on late."
    >>> p = Passage(rank=1, chunk_id="c", doc_id="d", title="Talks", source="s", start=0,
    ...             end=len(text), text=text, score=1.0)
    >>> q = "Where will Kerry and Lavrov meet?"
    >>> final = finalize("They will meet in Munich. It was snowing.", [p], q)
    >>> final.text, final.outcome
    ('They will meet in Munich [1].', 'model')
    >>> finalize("In Paris.", [p], q).text, finalize("In Paris.", [p], q).outcome
    ('Kerry and Lavrov will meet in Munich [1].', 'model+fallback')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from qa.answer import Citation, Outcome, Passage, Sentence
from qa.answer_type import carries, other_role_holder, wanted
from qa.citations import (
    Span,
    citation_of,
    cite,
    split_answer,
    strip_markers,
    strongest_only,
    with_markers,
)
from qa.extractive import extract
from qa.on_question import answers_context_only, copies_unrelated, off_question
from qa.policy import AnswerPolicy
from qa.prompts import is_yes_no_question
from qa.support import adds_to, restated_name
from qa.verdicts import cite_verdict, is_verdict

#: What the model says when the passages do not answer the question (the prompt asks for the
#: exact refusal; these are the variants it writes instead).
REFUSAL_RE = re.compile(
    r"(articles?|passages?|context|text)\s+(do(es)?\s*n[o']t|do not|does not)\s+"
    r"(say|contain|mention|provide|specify|state|include)|not (mentioned|provided|stated|specified)"
    r"|no information|cannot be (determined|answered)|insufficient information|i don'?t know",
    re.I,
)


@dataclass(frozen=True)
class Final:
    """The shown answer: text with [n] markers (empty when refused), and how it was made."""

    text: str
    outcome: Outcome
    sentences: list[Sentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        """True when the articles don't answer the question."""
        return self.outcome.startswith("refused")


def clean_draft(draft: str) -> str:
    """The model's text without its own [n] markers or an "Answer:" prefix."""
    return re.sub(r"^\s*(answer\s*:)\s*", "", strip_markers(draft), flags=re.I).strip()


def is_refusal(text: str, policy: AnswerPolicy) -> bool:
    """The draft says the passages don't answer (and is short enough to be only that)."""
    return bool(REFUSAL_RE.search(text)) and len(text.split()) < policy.max_refusal_words


def finalize(
    draft: str,
    passages: list[Passage],
    question: str,
    policy: AnswerPolicy | None = None,
    *,
    asked: str | None = None,
) -> Final:
    """Verify a model's draft against the passages; see the module docstring for the rules.

    ``question`` is the standalone question; ``asked`` the user's own words when a follow-up
    was rewritten (names the rewrite brought in from earlier turns are not checked again).
    """
    policy = policy or AnswerPolicy()
    text = clean_draft(draft)
    if text and is_refusal(text, policy):  # a strong extract of a date still answers (policy)
        if wanted(question) in policy.rescue_kinds:
            at = policy.rescue_min_support
            rescued = fallback(question, passages, policy, asked=asked, at=at)
            if not rescued.refused:
                return rescued
        return Final("", "refused:model")
    if is_verdict(text):  # "Yes." / "No.": cited by the passages that bear on the question
        verdict = cite_verdict(text, passages, question, policy)
        if not verdict.supported:
            return Final("", "refused:verifier")
        outcome: Outcome = "model+turned" if verdict.turned else "model"
        return Final(verdict.text, outcome, verdict.sentences, verdict.citations)
    if re.search(r"\w", text):
        kept = _supported_part(text, passages, question, policy, asked or question)
        if kept is None:  # a restated question around a name: judged as the bare name
            kept = _restated(text, passages, question, policy, asked or question)
        if kept is not None:
            return kept
    return fallback(question, passages, policy, asked=asked)


_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")


def wants_second_look(final: Final, question: str, policy: AnswerPolicy) -> bool:
    """Whether a refused draft earns one more model call (``policy.second_look_kinds``): the
    model or the verifier refused (``policy.second_look_after``), and the question asks for a
    name or is open (not yes/no, no year named).

    >>> refused = Final("", "refused:model")
    >>> wants_second_look(refused, "Which analyst said so?", AnswerPolicy())
    True
    >>> [wants_second_look(refused, q, AnswerPolicy()) for q in
    ...  ("When did it start?", "Who won the 2018 prize?", "Did he say so?")]
    [False, False, False]
    >>> [wants_second_look(Final("", o), "Which analyst said so?", AnswerPolicy()) for o in
    ...  ("refused:verifier", "refused:retrieval")]
    [True, False]
    """
    if final.outcome not in policy.second_look_after or is_yes_no_question(question):
        return False
    if policy.second_look_skips_years and _YEAR.search(question):
        return False
    return (wanted(question) or "open") in policy.second_look_kinds


def fallback(
    question: str,
    passages: list[Passage],
    policy: AnswerPolicy,
    *,
    asked: str | None = None,
    at: float | None = None,
) -> Final:
    """The best extract (support ``at`` least, default ``policy.fallback_min_support``), cited,
    as ``model+fallback``; a refusal when nothing answers."""
    strict = replace(policy, extract_min_support=policy.fallback_min_support if at is None else at)
    answer = extractive_answer(question, passages, strict, asked=asked)
    if answer.refused:
        return answer
    return Final(answer.text, "model+fallback", answer.sentences, answer.citations)


def extractive_answer(
    question: str,
    passages: list[Passage],
    policy: AnswerPolicy | None = None,
    *,
    asked: str | None = None,
) -> Final:
    """The extractive answerer's answer: the best extract, quoted as one citation, or a refusal
    (also when it is about a near miss, see :func:`off_question`)."""
    policy = policy or AnswerPolicy()
    text, _ = extract(question, passages, policy)
    source = next((p for p in passages if text and text in p.text), None)
    if source is None:
        return Final("", "refused:verifier")
    at = source.text.index(text)
    span = Span(source, source.start + at, source.start + at + len(text), text, score=1.0)
    citation = citation_of(1, span)
    if off_question(question, text, [citation], passages, policy, asked=asked):
        return Final("", "refused:verifier")
    shown = " ".join(text.split())  # the quote keeps the article's own line breaks
    sentence = Sentence(text=shown, citations=[1], supported=True)
    return Final(with_markers(shown, [1]), "extractive", [sentence], [citation])


def _restated(
    text: str, passages: list[Passage], question: str, policy: AnswerPolicy, asked: str
) -> Final | None:
    """The bare name (else the bare phrase) the draft's first restatement of the question
    adds, if it stands."""
    words = policy.restated_name_words
    for names_only in (True, False):
        sentences = split_answer(text)
        part = next(
            filter(
                None, (restated_name(question, s, words, names_only=names_only) for s in sentences)
            ),
            "",
        )
        if part:
            return _supported_part(part, passages, question, policy, asked)
    return None


def _supported_part(
    text: str, passages: list[Passage], question: str, policy: AnswerPolicy, asked: str
) -> Final | None:
    """The draft's supported sentences, if together they answer the question; else None."""
    _, sentences, citations = cite(text, passages, question, policy)
    kept = [s for s in sentences if s.supported]
    if not kept:
        return None
    shown = " ".join(s.text for s in kept)
    if copies_unrelated(kept, passages, question, policy):  # the sentence next to the answer
        return None
    if not adds_to(question, shown):  # only restates the question
        return None
    if not carries(wanted(question), shown, question):  # "who" answered without a name
        return None
    if other_role_holder(asked, shown, [p.text for p in passages]):  # the envoy for the ambassador
        return None
    used = sorted({n for s in kept for n in s.citations})
    cited = [c for c in citations if c.n in used]
    if off_question(question, shown, cited, passages, policy, asked=asked):
        return None
    if answers_context_only(question, asked, shown):
        return None
    kept = strongest_only(kept, citations)  # the checks above read every citation
    used = sorted({n for s in kept for n in s.citations})
    renumber = {old: new for new, old in enumerate(used, start=1)}
    kept = [s.model_copy(update={"citations": [renumber[n] for n in s.citations]}) for s in kept]
    cites = [c.model_copy(update={"n": renumber[c.n]}) for c in citations if c.n in renumber]
    return Final(" ".join(with_markers(s.text, s.citations) for s in kept), "model", kept, cites)
