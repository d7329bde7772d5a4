"""The last step of the answer path: a model's draft becomes the answer that is shown.

``finalize(draft, passages, question, policy)`` is a pure function (no model, no store): it
decides, in this one place, whether the draft stands, falls back to an extract, or becomes a
refusal, and it attaches the citations. Only supported sentences are ever part of the answer.

    draft ─► refusal phrase? ─► asks a date, and a strong extract? ─ yes ─► model+fallback
          │                                                  └ no ──► refused:model
          ─► "Yes"/"No"? ─► evidence bears on it? ─ yes ───► model
          │                                        └ no ────► refused:verifier
          ─► supported sentences that answer the question,
          │  and not a near miss (see off_question) ──────► model
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

from index.sentences import split_sentences
from qa.answer import Citation, Outcome, Passage, Sentence
from qa.answer_type import (
    carries,
    counted,
    leader_unsaid,
    other_role_holder,
    speaker_unquoted,
    spoken_occasion,
    spoken_topic,
    wanted,
)
from qa.citations import (
    Span,
    citation_of,
    cite,
    cite_verdict,
    is_verdict,
    split_answer,
    strip_markers,
    strongest_only,
    with_markers,
)
from qa.expansion import other_names
from qa.extractive import extract
from qa.policy import AnswerPolicy
from qa.prompts import is_yes_no_question
from qa.support import (
    absent_names,
    adds_to,
    contrasted,
    names_of,
    restated_name,
    support,
    term_set,
)

#: What the model says when the passages do not answer the question (the prompt asks for the
#: exact refusal; these are the variants it writes instead).
REFUSAL_RE = re.compile(
    r"(articles?|passages?|context|text)\s+(do(es)?\s*n[o']t|do not|does not)\s+"
    r"(say|contain|mention|provide|specify|state|include)|not (mentioned|provided|stated|specified)"
    r"|no information|cannot be (determined|answered)|insufficient information|i don'?t know",
    re.I,
)


#: "What did <speaker> say/tell/claim …": the answer must come from a passage naming them.
_SPEAKER = re.compile(
    r"\b(?:did|does|do|has|had)\s+(.{2,60}?)\s+(?:say|tell|claim|add|warn|state|announce)\b"
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
        marked, sentences, citations = cite_verdict(text, passages, question, policy)
        if sentences and sentences[0].supported:
            return Final(marked, "model", sentences, citations)
        return Final("", "refused:verifier")
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


def own_question(question: str, asked: str | None) -> str:
    """The user's question without the earlier question a follow-up was given as context
    (:func:`qa.condense.condense` appends it in parentheses); else the question itself.

    >>> own_question("Where is it? (What did Russia circulate?)", "Where is it?")
    'Where is it?'
    """
    if asked and question.startswith(asked.strip() + " ("):
        return asked.strip()
    return question


def answers_context_only(question: str, asked: str | None, shown: str) -> bool:
    """A follow-up's answer that speaks only to the earlier question it was given as context:
    none of the follow-up's own words are in it ("What were the Geneva talks seen as? (What
    did the Council endorse?)" answered "The Council endorsed a plan").

    >>> answers_context_only("Seen as what? (What did it endorse?)", "Seen as what?",
    ...                      "It endorsed a plan.")
    True
    """
    own = own_question(question, asked)
    if own == question:
        return False
    context = {w[:5] for w in term_set(question[len(own) :])}
    own_terms = {w[:5] for w in term_set(own)} - context
    said = {w[:5] for w in term_set(shown)}
    return bool(own_terms) and not own_terms & said


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


def off_question(
    question: str,
    shown: str,
    citations: list[Citation],
    passages: list[Passage],
    policy: AnswerPolicy,
    *,
    asked: str | None = None,
) -> bool:
    """The answer is about a near miss: it swaps the asked-for side of a contrast ("killed"
    for "injured"), its quotes never mention what a "how many" question counts (civilians
    for fighters; dev drafts re-finalized: 1 wrong answer turned down, 0 right, on the 19
    "how many" questions), a "what did <person> say" is answered from quotes that do not name
    that person, capitalised, in the quote or the two sentences before it (dev h036: Lavrov's
    words given as Samantha Power's, in a passage where "balance of power" had counted as
    naming her; gold dev drafts re-finalized: 1 wrong answer turned down, 0 right) or, for
    a speaker named by name alone, from quotes where no speech is theirs
    (:func:`qa.answer_type.speaker_unquoted`; dev h034), or the
    passages it cites never name most of the people or places asked about (a question about
    Putin answered with what McCain said), or a "who led / heads …" question is answered with
    someone no quote says leads anything (:func:`qa.answer_type.leader_unsaid`), or what
    someone said at a named occasion comes from passages that never name it. The
    publishers of all the passages count as named: a question that names its sources is
    answered from one of them.

    >>> p = dict(doc_id="d", title="T", source="s", chunk_id="c", start=0, end=9, score=1.0)
    >>> c = Citation(n=1, quote="McCain spoke.", text="McCain spoke.", **p)
    >>> off_question("What did Vladimir Putin say?", "McCain spoke.", [c], [], AnswerPolicy())
    True
    """
    if contrasted(question, shown):
        return True
    asked = asked or question
    if leader_unsaid(asked, shown, [c.quote for c in citations]):  # "led by" someone merely named
        return True
    head = counted(asked)  # "how many rebel fighters": a count of civilians is another count
    if head and head[:5] not in " ".join(c.quote for c in citations).lower():
        return True
    topic = spoken_topic(own_question(question, asked))  # "what did Putin say about the convoy"
    if (  # ... answered from passages that are not about the convoy
        topic
        and term_set(topic)
        and citations
        and max(support(topic, c.text) for c in citations) < policy.spoken_topic_support
    ):
        return True
    occasion = spoken_occasion(own_question(question, asked))  # "say at the Munich meeting"
    if occasion and citations:  # ... answered from passages that never name Munich
        phrase, cited = "x " + occasion, " ".join(c.text for c in citations)
        named = names_of(phrase)  # names_of skips a capitalised first word
        if named and len(absent_names(phrase, cited)) == len(named):
            return True
    sources = " ".join(f"{c.title} {c.publisher}" for c in citations)
    sources += " " + " ".join(p.publisher for p in passages)
    evidence = sources + " " + " ".join(c.text for c in citations)
    speaker = _SPEAKER.search(asked)
    if speaker:  # "what did Churkin say …" answered from quotes that never name him
        phrase = "x " + speaker.group(1)  # names_of skips a capitalised first word
        named = names_of(phrase)
        near = sources + " " + " ".join(_lead_in(c, passages) for c in citations)
        capitalised = " ".join(re.findall(r"\b[A-Z][\w'’-]*", near))  # "balance of power"
        if named and len(absent_names(phrase, capitalised)) == len(named):
            return True
        if speaker_unquoted(speaker.group(1), [_lead_in(c, passages) for c in citations]):
            return True  # named, but as the subject of something other than speech
    absent = absent_names(asked, evidence, related=other_names)  # "UN" for "United Nations"
    return len(absent) > policy.max_absent_names and len(absent) >= policy.absent_name_share * len(
        names_of(asked)
    )


def copies_unrelated(
    kept: list[Sentence], passages: list[Passage], question: str, policy: AnswerPolicy
) -> bool:
    """The answer is a sentence copied from the passages that holds none of the question,
    while another sentence of them holds much of it: the model copied the sentence next to the
    one it was asked about ("The Security Council is due to discuss the resolution on Monday."
    for whom Bogdanov wants Russia to coordinate with, said in the next sentence).

    >>> from qa.answer import Passage
    >>> text = "The council meets on Monday in New York. Bogdanov wants to work with NATO."
    >>> p = Passage(rank=1, chunk_id="c", doc_id="d", title="T", source="s", start=0,
    ...             end=len(text), text=text, score=1.0)
    >>> q = "Whom does Bogdanov want to work with?"
    >>> copied = Sentence(text="The council meets on Monday in New York.", citations=[1],
    ...                   supported=True)
    >>> copies_unrelated([copied], [p], q, AnswerPolicy())
    True
    """
    sentences = [p.text[s:e] for p in passages for s, e in split_sentences(p.text)]
    if not sentences:
        return False
    best = max(support(question, s) for s in sentences)
    if best < policy.on_topic_elsewhere:
        return False  # nothing holds the question: the asking was in other words
    for sentence in kept:
        if len(term_set(sentence.text)) < policy.copied_sentence_terms:
            continue  # a bare name or phrase is judged by the checks that follow
        source = max(sentences, key=lambda s: support(sentence.text, s))
        if support(question, source) <= policy.copied_unrelated:
            return True
    return False


def _restated(
    text: str, passages: list[Passage], question: str, policy: AnswerPolicy, asked: str
) -> Final | None:
    """The bare name the draft's first restatement of the question adds, if it stands."""
    words = policy.restated_name_words
    name = next(filter(None, (restated_name(question, s, words) for s in split_answer(text))), "")
    return _supported_part(name, passages, question, policy, asked) if name else None


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


def _lead_in(citation: Citation, passages: list[Passage], before: int = 2) -> str:
    """The quote with up to ``before`` sentences of its passage before it (where the
    speaker of a quote is named: "…,” he said.")."""
    passage = next((p for p in passages if p.chunk_id == citation.chunk_id), None)
    if passage is None:
        return citation.quote
    at = citation.start - passage.start
    starts = [s for s, _ in split_sentences(passage.text) if s <= at]
    first = starts[-1 - before] if len(starts) > before else 0
    return passage.text[first : at + len(citation.quote)]
