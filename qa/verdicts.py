"""Yes/no answers: a bare "Yes" or "No" cited by the spans that bear on the question's claims.

A verdict has no words of its own to match, so its evidence is what the question asserts (each
clause of a comparison question). A clause is *found* when a span holds enough of its words;
the span then *agrees* with it or *contradicts* it: a negation next to the words they share
("did Russia agree?" against "Russia has not agreed"), a verb that says it did not happen
("refrained from blaming", "stopped short of"), or the claim's words split by a contrast
("While Russia said it targets Islamic State, most of its airstrikes hit rebels" for "Were
most of Russia's airstrikes on Islamic State?").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from qa.answer import Citation, Passage, Sentence
from qa.citations import (
    DEFAULT_POLICY,
    Span,
    best_spans,
    number_of,
    strip_markers,
    with_markers,
)
from qa.expansion import other_names
from qa.names import absent_names
from qa.policy import AnswerPolicy
from qa.support import negated_near, support, terms

_VERDICT = re.compile(r"^\s*(yes|no)\b[\s.,!;:]*$", re.I)


def is_verdict(text: str) -> bool:
    """A bare yes/no answer ("Yes.", "no")."""
    return bool(_VERDICT.match(strip_markers(text)))


class Verdict(NamedTuple):
    """A yes/no answer as shown: marked text, its one sentence, its citations, and whether the
    model's "Yes" was turned to "No" by passages that deny the claim."""

    text: str
    sentences: list[Sentence]
    citations: list[Citation]
    turned: bool = False

    @property
    def supported(self) -> bool:
        """Whether the evidence bears on the verdict (else it is not shown)."""
        return bool(self.sentences) and self.sentences[0].supported


class _Clause(NamedTuple):
    clause: str
    span: Span
    score: float
    agrees: bool  # the same polarity, and not split by a contrast


def cite_verdict(
    text: str,
    passages: list[Passage],
    question: str,
    policy: AnswerPolicy = DEFAULT_POLICY,
) -> Verdict:
    """A yes/no answer cited by the spans that bear on the question's own claims.

    A verdict has no words of its own to match, so its evidence is what the question asserts
    (each clause of a comparison question). A clause is found when a span holds enough of its
    words; the span then *agrees* with it (same negation) or *contradicts* it ("did Russia
    agree?" against "Russia has not agreed"). "Yes" stands when a clause is found and none is
    contradicted; "No" when the passages bear on the question at all (a clause found at the
    lower ``policy.no_verdict_clause_support``): the model read them and found the claim not
    holding, which a lexical check cannot see ("dismissed" for "did not welcome"), unless a
    passage states a clause word for word, in one of its own clauses, with the same polarity.
    Anything else is unsupported: the evidence does not bear on yes versus no.

    A "Yes" the passages deny is *turned* to "No": every clause is found as a "Yes" needs and
    every one is contradicted, and every name the question gives is in the denying spans (else
    the denial may be of another place or person, a near miss). The bundled model often says
    "Yes" to such a question.

    >>> from qa.answer import Passage
    >>> text = "Mr. Kirby said U.S. officials weren't surprised by Mr. Assad's visit to Moscow."
    >>> p = Passage(rank=1, chunk_id="c", doc_id="d", title="T", source="s", start=0,
    ...             end=len(text), text=text, score=1.0)
    >>> v = cite_verdict("Yes.", [p], "Were U.S. officials surprised by Assad's visit to Moscow?")
    >>> v.text, v.turned
    ('No [1]', True)
    >>> v = cite_verdict("Yes.", [p], "Did Kirby speak about Assad's visit to Moscow?")
    >>> v.text, v.turned
    ('Yes [1]', False)
    >>> v = cite_verdict("Yes", [p], "Were U.S. officials surprised by Assad's visit to Tehran?")
    >>> v.supported, v.turned  # a near miss: neither shown nor turned
    (False, False)
    """
    low = min(policy.verdict_clause_support, policy.no_verdict_clause_support)
    evidence = list(_clause_evidence(question, passages, low))
    strong = [e for e in evidence if e.score >= policy.verdict_clause_support]
    verdict = "Yes" if strip_markers(text).strip().lower().startswith("y") else "No"
    turned = False
    if verdict == "Yes":
        ok = bool(strong) and all(e.agrees for e in strong)
        turned = not ok and _denies(question, strong)
    if verdict == "No" or turned:
        verdict, found = "No", [e for e in evidence if e.score >= policy.no_verdict_clause_support]
        # Stated word for word in one clause, same polarity: not a "No". A contrast that holds
        # every word across two clauses ("While Russia said it targets Islamic State, most of
        # its airstrikes hit rebels") does not state the claim.
        affirmed = any(
            e.agrees and e.score >= 1.0 and _stated_in_one_clause(e.clause, e.span.text)
            for e in found
        )
        ok = bool(found) and not affirmed
    else:
        found = strong
    citations: list[Citation] = []
    key_to_n: dict[tuple[str, int, int], int] = {}
    for e in found:
        number_of(e.span, key_to_n, citations)
    numbers = [c.n for c in citations] if ok else []
    # A bare word, as a direct answer reads ("Yes [1]"), not a sentence: "Yes." would also
    # fail MultiHop-RAG's whitespace-token scorer, which does not strip punctuation.
    sentence = Sentence(text=verdict, citations=numbers, supported=ok)
    return Verdict(with_markers(verdict, numbers), [sentence], citations if ok else [], turned)


def _denies(question: str, strong: list[_Clause]) -> bool:
    """Every clause found at the "Yes" bar is contradicted ("Were U.S. officials surprised
    …?" against "U.S. officials weren't surprised …") and the question's names are all in
    those spans (not about Idlib for Aleppo)."""
    if not strong or any(e.agrees for e in strong):
        return False
    spans = " ".join(e.span.text for e in strong)
    return not absent_names(question, spans, related=other_names)


def _clause_evidence(question: str, passages: list[Passage], need: float) -> Iterator[_Clause]:
    """Each clause of a yes/no question (each side of a comparison) with the span that holds
    most of its words, if it holds at least ``need`` of them."""
    for clause in [
        c for c in re.split(r",\s*(?:and|while|whereas|but)\s+|;\s*", question) if c.strip()
    ]:
        ranked = best_spans(clause, passages, question)
        # Found on words alone (polarity off), then judged on negation.
        best = max(ranked, key=lambda sp: support(clause, sp.text), default=None)
        score = support(clause, best.text) if best is not None else 0.0
        if best is None or score < need:
            continue
        same = _negated_as(clause, best.text) == _negated_as(best.text, _claim(clause))
        yield _Clause(clause, best, score, same and not _split_by_contrast(clause, best.text))


#: A subordinate clause of contrast, up to its comma ("While Russia says …,"), or a contrast
#: word that opens the other side ("…, but", "…, while").
_LEAD_CONTRAST = re.compile(r"\b(?:while|whereas|although|though)\b([^,.;]*),", re.I)
_CONTRAST = re.compile(r"\b(?:but|however|while|whereas|although|though)\b", re.I)


def _split_by_contrast(claim: str, text: str) -> bool:
    """Whether ``text`` holds every word of the claim only across the two sides of a contrast,
    which then says the claim is not so: "While Russia has said it is targeting Islamic State
    militants, most of its airstrikes have been on mainstream rebels" for "Were most of
    Russia's airstrikes on Islamic State militants?". Words spread over two sentences with no
    contrast between them are not split.

    >>> q = "Were most of Russia's airstrikes on Islamic State militants?"
    >>> _split_by_contrast(q, "While Russia has said it is targeting Islamic State militants, "
    ...     "most of its airstrikes have been on mainstream rebels.")
    True
    >>> _split_by_contrast(q, "Most of Russia's airstrikes were on Islamic State militants, "
    ...     "but rebels were hit too.")
    False
    >>> _split_by_contrast(q, "Russia's jets flew. Most airstrikes hit Islamic State militants.")
    False
    """
    if support(claim, text) < 1.0:
        return False
    pieces = _CONTRAST.split(_LEAD_CONTRAST.sub(r"|\1|", text))
    pieces = [p for piece in pieces for p in piece.split("|") if p.strip()]
    return len(pieces) > 1 and not any(support(claim, p) >= 1.0 for p in pieces)


_CLAUSE_BREAK = re.compile(
    r"[;:!?]|[,.](?!\d)|\b(?:while|whereas|but|although|though)\b", re.IGNORECASE
)


def _stated_in_one_clause(claim: str, text: str) -> bool:
    """Whether one clause of ``text`` (split at punctuation and at contrast words) holds all of
    the claim's words.

    >>> _stated_in_one_clause("Were most of Russia's airstrikes on Islamic State militants?",
    ...     "While Russia has said it is targeting Islamic State militants, most of its "
    ...     "airstrikes have been on mainstream rebels")
    False
    >>> _stated_in_one_clause("Is Russia targeting Islamic State militants?",
    ...     "Russia is targeting Islamic State militants in Syria, officials said.")
    True
    """
    return any(support(claim, piece) >= 1.0 for piece in _CLAUSE_BREAK.split(text) if piece.strip())


def _claim(clause: str) -> str:
    """A question clause as a claim: the auxiliary that opens it carries no negation of its own
    ("Didn't X say …?" asks about "X said …")."""
    return re.sub(r"^\W*\w+n['’]t\b", "", clause.strip(), flags=re.I)


def _negated_as(text: str, other: str) -> bool:
    """Whether a negation in ``text`` bears on what it shares with ``other``: a "not" before
    one of the shared words ("has not agreed" for "did Russia agree?"). A negation elsewhere in
    a long span or question ("pleaded not guilty" next to the sentence that answers, "the claim
    that she did not protect …" inside a comparison question) says nothing about the claim.

    >>> _negated_as("Russia has not agreed to it.", "Did Russia agree to the plan?")
    True
    >>> _negated_as("He pleaded not guilty. The trial opened in October.", "Did the trial open?")
    False
    >>> _negated_as("He refrained, as he has repeatedly, from directly blaming one side.",
    ...     "Did he directly blame one side?")
    True
    """
    theirs = {t.norm[:5] for t in terms(other) if not t.key}
    shared = {t.norm for t in terms(text) if not t.key and t.norm[:5] in theirs}
    claim = _claim(text)
    return negated_near(claim, shared) or negated_near(_implicit_as_not(claim, other), shared)


def _implicit_as_not(text: str, other: str) -> str:
    """``text`` with each verb that says its complement did not happen read as a "not",
    unless ``other`` uses the same verb ("keeps refusing military coordination" against
    "continues to refuse to coordinate" agree).

    >>> _implicit_as_not("He refrained from blaming them.", "Did he blame them?")
    'He not blaming them.'
    >>> _implicit_as_not("If the U.S. continues to refuse to coordinate", "keeps refusing to")
    'If the U.S. continues to refuse to coordinate'
    """
    theirs = {w.lower()[:4] for w in re.findall(r"[A-Za-z]+", other)}
    return _IMPLICIT.sub(lambda m: m[0] if m[0].lower()[:4] in theirs else "not", text)


#: Verbs that say their complement did not happen, up to the word that opens it: "refrained,
#: as he has repeatedly, from directly blaming", "declined to", "stopped short of", "denied
#: accusations that". Read as a "not" there, for a verdict's polarity only.
_IMPLICIT = re.compile(
    r"\b(?:refrain(?:s|ed|ing)?\b[^.;]{0,40}?\bfrom|(?:declin|refus)(?:e|es|ed|ing) to"
    r"|stop(?:s|ped)? short of|fail(?:s|ed|ing)? to"
    r"|den(?:y|ies|ied|ying)(?: (?:the )?(?:accusations?|allegations?|claims?|reports?))? that)\b",
    re.I,
)
