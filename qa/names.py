"""Which names a text mentions, and which of a question's names a text never mentions.

The near-miss checks (``qa.on_question``) and the citation check (``qa.citations``) use these:
an answer about "Vladimir Putin" from passages that never name him is about someone else, and
a sentence's names and numbers must be in the quote that backs it.

Example:
    >>> names_of("What did Vladimir Putin say on Monday?")
    ['vladimir', 'putin']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from qa.answer_type import DATE_WORDS
from qa.support import Term, matches, terms


def names_of(text: str) -> list[str]:
    """The names a text mentions (normalized; numbers, months and weekdays left out).

    >>> names_of("What did Vladimir Putin say on Monday about the 2 UN convoys?")
    ['vladimir', 'putin', 'un']
    """
    return [t.norm for t in terms(text) if _is_name(t)]


def absent_names(
    question: str, text: str, *, related: Callable[[str], Iterable[str]] | None = None
) -> list[str]:
    """Names of the question that ``text`` never mentions, not even as a related form: a
    demonym or a transliteration shares its first five letters with the name ("Syrian" and
    "Syria", "Vitali" and "Vitaly"). A question about "Vladimir Putin" answered from passages
    that never name him is answered about someone else. With ``related`` (a name as written →
    other names for it, e.g. "UN" → "United Nations"), a name also counts as mentioned when
    every word of one of those is in the text.

    >>> absent_names("What did Vladimir Putin say about the Syrian truce?", "Syria's truce held.")
    ['vladimir', 'putin']
    >>> other = {"UN": ["United Nations"]}.get
    >>> absent_names("Did the UN vote?", "The United Nations voted.", related=other)
    []
    >>> other = {"United Nations": ["UN"]}.get
    >>> absent_names("Did the United Nations vote?", "The UN voted.", related=other)
    []
    """
    vocab = {t.norm for t in terms(text)}
    stems = {v[:5] for v in vocab if len(v) >= 5}

    def mentioned(norm: str) -> bool:
        return matches(norm, vocab) or (len(norm) >= 5 and norm[:5] in stems)

    def mentioned_as(word: str) -> bool:
        own = {t.norm for t in terms(word)}
        for name in (related(word) or []) if related else []:
            said = terms(name)
            if said and not own >= {t.norm for t in said} and all(mentioned(t.norm) for t in said):
                return True  # ("State" alone does not say "State Department")
        return False

    covered = {  # a name of several words said another way: "United Nations" as "UN"
        t.norm
        for run in _NAME_RUN.findall(question)
        if related and mentioned_as(run)
        for t in terms(run)
    }
    return [
        t.norm
        for t in terms(question)
        if _is_name(t)
        and t.norm not in covered
        and not mentioned(t.norm)
        and not mentioned_as(t.word)
    ]


_NAME_RUN = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)+")


def missing_keys(sentence: str, text: str, ignore: frozenset[str] = frozenset()) -> list[str]:
    """Names and numbers of the sentence that occur nowhere in ``text``. A given name before a
    family name the text has is not missing: news names a person in full once, then by the
    family name alone.

    >>> missing_keys("It was Sam Bankman-Fried.", "Bankman-Fried had access.")
    []
    >>> missing_keys("It was Caroline Ellison.", "Bankman-Fried had access.")
    ['caroline', 'ellison']
    """
    vocab = {t.norm for t in terms(text)}
    said = terms(sentence)
    found = [matches(t.norm, vocab) for t in said] + [False]
    return [
        t.norm
        for i, t in enumerate(said)
        if t.key
        and t.norm not in ignore
        and not found[i]
        # "Sam" of "Sam Bankman-Fried" where the text says "Bankman-Fried"
        and not (_is_name(t) and found[i + 1] and _is_name(said[i + 1]))
    ]


def _is_name(term: Term) -> bool:
    """A name term: a key that is neither a number nor a month or weekday."""
    return term.key and not term.norm[0].isdigit() and term.norm not in DATE_WORDS
