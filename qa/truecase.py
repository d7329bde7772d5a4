"""Questions typed without capitals get the capitals of the names in them.

The verifier and the near-miss checks find a question's names by their capitals ("What did
Churkin say?" names Churkin). A reader who types "what did churkin say" names no one, so an
answer about someone else passes the check that it is about the person asked. Retrieval is
case-blind (BM25 lowercases, the embedder is uncased); the checks after it are not.

So a question written without capitals (none after its first letter) is true-cased. A word is
written as a name when:

* WordNet knows it only as a name ("britain" → "Britain", "turkish" → "Turkish"), or
* the collection (``HybridRetriever.case_table``) capitalises it in the middle of a sentence
  at least ``NAME_CASE_RATIO`` times per lowercase use: "churkin" → "Churkin", which WordNet
  does not know, "geneva", which it knows as a name and as gin; for a word WordNet knows only
  as a common word, also at least
  ``COMMON_WORD_CAPITALS`` times ("apple" → "Apple" in tech news, but not "minister" because
  five articles wrote "Foreign Minister").

A question with any capital of its own is left as the reader wrote it. Stopwords are never
changed.

Example:
    >>> table = case_table(["Russia's envoy Vitaly Churkin spoke at the UN. Envoys left. "
    ...                     "Mr. Assad stayed. The Foreign Minister left."])
    >>> truecase("did churkin tell the un envoy? did britain's foreign minister stay?", table)
    "did Churkin tell the UN envoy? did Britain's foreign minister stay?"
    >>> truecase("did the americans go to geneva?", case_table(["Kerry went to Geneva."]))
    'did the Americans go to Geneva?'
    >>> truecased("what did the un say?", "what did the un say? (Who met?)", table)
    ('what did the UN say?', 'what did the UN say? (Who met?)')
    >>> truecased("What did the UN say about un envoys?", "", table)[0]
    'What did the UN say about un envoys?'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from index.bm25 import STOPWORDS
from index.sentences import split_sentences
from qa.expansion import written_forms

_WORD = re.compile(r"[A-Za-z][A-Za-z-]+")  # two letters at least: not the "s" of "Assad's"

#: A word is a name when the collection capitalises it at least this many times per lowercase
#: use (in the middle of a sentence, where a capital is not the sentence's).
NAME_CASE_RATIO = 9
#: ... and, for a word WordNet knows as a common word, at least this many times in all.
COMMON_WORD_CAPITALS = 20


class Casing(NamedTuple):
    """How a collection writes one word: its usual capitalised form and how often each way."""

    form: str
    capitals: int
    lower: int


def is_uncased(question: str) -> bool:
    """True when the question has no capital letter after its first character."""
    return not any(c.isupper() for c in question.strip()[1:])


def case_table(texts: Sequence[str]) -> dict[str, Casing]:
    """Lowercase word → how the texts write it, for the words they capitalise in the middle of
    a sentence. About 1 s per million words (MultiHop-RAG's 609 articles)."""
    forms: dict[str, Counter[str]] = {}
    lower: Counter[str] = Counter()
    for text in texts:
        for start, end in split_sentences(text):
            for i, m in enumerate(_WORD.finditer(text[start:end])):
                word = m.group(0)
                if word.islower():
                    lower[word] += 1
                elif i > 0:  # a sentence's first word is capitalised whatever it is
                    forms.setdefault(word.lower(), Counter())[word] += 1
    return {
        key: Casing(counts.most_common(1)[0][0], sum(counts.values()), lower[key])
        for key, counts in forms.items()
        if key not in STOPWORDS
    }


def _as_name(word: str, table: Mapping[str, Casing]) -> str:
    if word in STOPWORDS:
        return word
    wordnet = written_forms(word)
    if wordnet and not any(f.islower() for f in wordnet):  # WordNet knows it only as a name
        form = min(wordnet)
        return form if form.lower() == word else word[:1].upper() + word[1:]  # "Americans"
    seen = table.get(word)
    if seen is None or seen.capitals < NAME_CASE_RATIO * seen.lower:
        return word
    if wordnet and all(f.islower() for f in wordnet) and seen.capitals < COMMON_WORD_CAPITALS:
        return word  # a common word the collection capitalises only in a few titles
    return seen.form


def truecase(question: str, table: Mapping[str, Casing]) -> str:
    """The question's lowercase words written as names where they are names (see module)."""
    return _WORD.sub(lambda m: _as_name(w, table) if (w := m.group(0)).islower() else w, question)


def truecased(question: str, standalone: str, table: Mapping[str, Casing]) -> tuple[str, str]:
    """The user's question and its standalone form, true-cased when the user typed no capitals
    (a follow-up's standalone form keeps the earlier question it carries as it was)."""
    if not is_uncased(question):
        return question, standalone
    asked = truecase(question, table)
    if standalone.startswith(question):
        return asked, asked + standalone[len(question) :]
    return asked, truecase(standalone, table)
