"""A copied claim given to another subject: the answer repeats a quote's words but puts its
own subject in front of them ("Russia could soon take Aleppo" from "Assad's army could soon
take Aleppo, said Churkin"). The words are in the passage, so word support passes; the claim
is not.

Example:
    >>> swapped_subject("Russia could soon take Aleppo.", "Assad’s army could soon take Aleppo.")
    True
    >>> asked = "What did the Russian president rule out?"
    >>> swapped_subject("The Russian president ruled out troops.", "Putin ruled out troops.", asked)
    False
    >>> swapped_subject("The army could soon take Aleppo.", "Assad’s army could soon take Aleppo.")
    False
"""

from __future__ import annotations

import re

from index.sentences import split_sentences

_WORD = re.compile(r"[\w'’-]+")
#: Subjects that name nobody: a pronoun or an article stands for whoever the quote names.
_EMPTY = frozenset(
    "a an the he she it they we i you his her its their this that these those there".split()
    + "but and or so".split()
)
#: Words the answer must copy from the quote for its subject to be judged, and words of the
#: quote before the copied part that may name its own subject. Chosen by hand, checked on dev
#: drafts re-finalized (``python -m eval.verifier``): 201 drafts of a gold dev run, 1 wrong
#: answer turned down (s059), no right one; ``eval/gold/drafts_dev.jsonl`` unchanged.
MIN_COPIED = 4
BEFORE = 3


def _key(word: str) -> str:
    word = re.sub(r"^(?:al|el)-", "", word.lower())  # "al-Assad" is "Assad"
    return word.removesuffix("'s").removesuffix("’s")[:5]


def _names(words: list[str]) -> set[str]:
    """Keys of the capitalised words (pronouns and articles aside)."""
    return {_key(w) for w in words if w[:1].isupper() and _key(w) not in _EMPTY}


def swapped_subject(sentence: str, quote: str, question: str = "") -> bool:
    """The sentence ends with a predicate (at least :data:`MIN_COPIED` words, starting with a
    lower-case word) copied from one sentence of ``quote``; the quote names someone just
    before it, the sentence names someone else before it, and the quote's sentence never
    names the sentence's subject. Reported speech turned around ("X reports that …" from
    "…, X said") keeps its subject in the quote's sentence, so it stands; a subject taken
    from the ``question`` ("the Russian president" for Putin) is the asker's, not a swap."""
    said = _WORD.findall(sentence)
    asked = {_key(w) for w in _WORD.findall(question)}
    keys = [_key(w) for w in said]
    for s, e in split_sentences(quote):
        source = _WORD.findall(quote[s:e])
        source_keys = [_key(w) for w in source]
        for start in range(1, len(said) - MIN_COPIED + 1):
            at = _find(source_keys, keys[start:])
            if at is None:
                continue
            if said[start][:1].isupper():
                continue  # the copy starts with a name: the subject is part of it
            theirs = _names(source[max(0, at - BEFORE) : at])
            ours = _names(said[:start]) - asked
            if theirs and ours and not theirs & ours and not ours & set(source_keys):
                return True
            break
    return False


def _find(words: list[str], part: list[str]) -> int | None:
    """Where ``part`` starts in ``words``, or None."""
    n = len(part)
    return next((i for i in range(len(words) - n + 1) if words[i : i + n] == part), None)
