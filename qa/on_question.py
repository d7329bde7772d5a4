"""Is a verified answer about what was asked? The checks that turn down a supported answer
to a near miss (another count, another speaker, another occasion, the sentence next to the
one asked about) or to only the earlier question a follow-up was given as context.

Each check is a pure function of the question, the answer and the passages; ``qa.finalize``
runs them on every answer it would show.

Example:
    >>> own_question("Where is it? (What did Russia circulate?)", "Where is it?")
    'Where is it?'
"""

from __future__ import annotations

import re

from index.sentences import split_sentences
from qa.answer import Citation, Passage, Sentence
from qa.answer_type import counted, leader_unsaid
from qa.expansion import other_names
from qa.names import absent_names, names_of
from qa.policy import AnswerPolicy
from qa.speech import speaker_unquoted, spoken_occasion, spoken_topic, unquoted
from qa.support import contrasted, question_words, support, term_set

#: "What did <speaker> say/tell/claim …", "How did <speaker> react …": the answer must come
#: from a passage naming them ("himself" is not part of the name).
_SPEAKER = re.compile(
    r"\b(?:did|does|do|has|had)\s+(.{2,60}?)(?:\s+(?:him|her|them|it)sel(?:f|ves))?\s+"
    r"(say|tell|claim|add|warn|state|announce|react|respond)\b"
)

#: Whose a speaker is: "Germany's" of "Germany's UN ambassador", "Saudi Arabia's" of its
#: foreign minister.
_OWNER = re.compile(r"\b((?:[A-Z][\w.-]*\s+)*[A-Z][\w.-]*)(?=['’]s\b)")


def own_question(question: str, asked: str | None) -> str:
    """The user's question without the earlier question a follow-up was given as context
    (:func:`qa.condense.condense` appends it in parentheses); else the question itself.

    >>> own_question("Where is it?", None)
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
    context = question_words(question[len(own) :])
    own_terms = " ".join(w for w in term_set(own) if w not in context)
    mine = question_words(own_terms)  # any inflection: "struck" answers "where did it strike"
    return bool(own_terms) and not any(w in mine for w in term_set(shown))


def off_question(
    question: str,
    shown: str,
    citations: list[Citation],
    passages: list[Passage],
    policy: AnswerPolicy,
    *,
    asked: str | None = None,
) -> bool:
    """The answer is about a near miss: it or the quotes it comes from swap the asked-for side
    of a contrast ("killed" for "injured"; dev g166: "127" from a count of the killed), its
    quotes never mention what a "how many" question counts (civilians
    for fighters; dev drafts re-finalized: 1 wrong answer turned down, 0 right, on the 19
    "how many" questions), a "what did <person> say" is answered from quotes that do not name
    that person, capitalised, in the quote or the two sentences before it (dev h036: Lavrov's
    words given as Samantha Power's, in a passage where "balance of power" had counted as
    naming her; gold dev drafts re-finalized: 1 wrong answer turned down, 0 right) or, for
    a speaker named by name alone, from quotes where no speech is theirs
    (:func:`qa.speech.speaker_unquoted`; dev h034), or for a speaker named in full, from
    quotes whose lead-ins never give the surname (:func:`surname_unsaid`), or for a speaker
    described by their country ("Germany's UN ambassador"), from quotes whose lead-ins never
    name it (fresh dev n003) — "how did <someone> react" is held to the names alone, since a
    reaction need not be speech — or the
    passages it cites never name most of the people or places asked about (a question about
    Putin answered with what McCain said), or a "who led / heads …" question is answered with
    someone no quote says leads anything (:func:`qa.answer_type.leader_unsaid`), or what
    someone said (or agreed, decided) at a named occasion comes from passages that never
    name it (dev k029: a Munich plan for what was agreed in Vienna; fresh dev n006: "say about
    … at the Munich meeting"). The
    publishers of all the passages count as named: a question that names its sources is
    answered from one of them.

    >>> p = dict(doc_id="d", title="T", source="s", chunk_id="c", start=0, end=9, score=1.0)
    >>> c = Citation(n=1, quote="McCain spoke.", text="McCain spoke.", **p)
    >>> off_question("What did Vladimir Putin say?", "McCain spoke.", [c], [], AnswerPolicy())
    True
    """
    if contrasted(question, shown):
        return True
    quotes = " ".join(c.quote for c in citations)
    if quotes and contrasted(own_question(question, asked), quotes):  # "127" quoted of the killed
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
        near = sources + " " + " ".join(lead_in(c, passages) for c in citations)
        capitalised = " ".join(re.findall(r"\b[A-Z][\w'’-]*", near))  # "balance of power"
        if named and len(absent_names(phrase, capitalised)) == len(named):
            return True
        for owner in _OWNER.findall(speaker.group(1)):  # "Germany's UN ambassador" for France's
            named = names_of("x " + owner)  # not a weekday: "Tuesday's blast"
            unsaid = absent_names("x " + owner, near, related=other_names)
            if named and len(unsaid) == len(named):  # "Saudi" says "Saudi Arabia"
                return True
        spoke = speaker.group(2) not in ("react", "respond")  # a reaction need not be speech
        if spoke and surname_unsaid(speaker.group(1), near):  # "…, Sergey Kislyak" for Kirby
            return True
        heard = [lead_in(c, passages, quoted=False) for c in citations]
        if spoke and speaker_unquoted(speaker.group(1), heard):
            return True  # named, but as the subject of something other than speech
    absent = absent_names(asked, evidence, related=other_names)  # "UN" for "United Nations"
    return len(absent) > policy.max_absent_names and len(absent) >= policy.absent_name_share * len(
        names_of(asked)
    )


def surname_unsaid(speaker: str, near: str) -> bool:
    """The speaker is named in full ("Russia's ambassador to the US, Sergey Kislyak") and their
    surname, the phrase's last word, is nowhere in the quotes' lead-ins: the quote is someone
    else's, however much of the description fits (dev k036: Kirby's words given as Kislyak's).

    >>> surname_unsaid("Saudi Foreign Minister Adel al-Jubeir", "Jubeir said on Monday.")
    False
    >>> surname_unsaid("the US envoy, Sergey Kislyak,", "Russia's ambassador said so.")
    True
    >>> surname_unsaid("Russia's ambassador", "Kirby said so.")  # no name given: not judged
    False
    """
    if not re.search(r"[A-Z][\w'’-]+\s+[A-Z][\w'’-]+", speaker):
        return False
    last = re.findall(r"[\w'’-]+", speaker)[-1]
    return bool(names_of("x " + last)) and bool(absent_names("x " + last, near))


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


def lead_in(
    citation: Citation, passages: list[Passage], before: int = 2, *, quoted: bool = True
) -> str:
    """The quote with up to ``before`` sentences of its passage before it (where the
    speaker of a quote is named: "…,” he said."); with ``quoted=False``, what is inside
    quotation marks blanked, judged on the whole passage (:func:`qa.speech.unquoted`)."""
    passage = next((p for p in passages if p.chunk_id == citation.chunk_id), None)
    if passage is None:
        return citation.quote if quoted else unquoted(citation.quote)
    at = citation.start - passage.start
    starts = [s for s, _ in split_sentences(passage.text) if s <= at]
    first = starts[-1 - before] if len(starts) > before else 0
    text = passage.text if quoted else unquoted(passage.text)
    return text[first : at + len(citation.quote)]
