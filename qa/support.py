"""Does a passage support a sentence? Lexical evidence on names, numbers and content words.

This is the project's support checker, used to attach and verify citations, to ground
generated answers and to pick extractive answers. It is not an NLI model (none ships offline,
see docs/design.md): it measures how much of a sentence's content — weighted towards names and
numbers, which carry the facts in news — occurs in a span of the passage.

Negation is part of a claim's support, not a stopword: with ``polarity=True`` (claims checked
against quotes) a sentence and a span that disagree on it ("did not attend" vs "attended")
support each other at most half as much as their words say.

Example:
    >>> support("Vitaly Churkin is the envoy.", "Russia's UN envoy Vitali Churkin said so.")
    1.0
    >>> support("The envoy is Boris Johnson.", "Russia's UN envoy Vitali Churkin said so.")
    0.2
    >>> support("Russia agreed to a truce.", "Russia has not agreed to a truce.", polarity=True)
    0.5
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from index.bm25 import STOPWORDS, stem
from qa.verbs import lemma

_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*|\d[\d,.]*\d|\d")  # "three-year" → three, year
NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "hundred": "100", "thousand": "1000", "first": "1st", "second": "2nd", "third": "3rd",
}  # fmt: skip
_EXTRA_STOP = frozenset(
    "said says say according also just more most very can may might must shall not no yes "
    "told".split()
)


@dataclass(frozen=True)
class Term:
    """A normalized content word; ``key`` for names and numbers."""

    norm: str
    key: bool
    #: The word as written ("Damascus" for the norm "damascu").
    word: str = field(default="", compare=False)


_NEGATION = re.compile(
    r"\b(not|no|never|none|nobody|nothing|neither|nor|cannot|denied|denies|deny|denying)\b"
    r"|n['’]t\b",
    re.I,
)
#: Support of a sentence whose negation disagrees with its span's is multiplied by this.
NEGATION_MISMATCH = 0.5


def negated(text: str) -> bool:
    """Whether the text says something is not so ("not", "never", "denied", "didn't").

    >>> negated("He didn't attend."), negated("He attended.")
    (True, False)
    """
    return bool(_NEGATION.search(text))


def negated_near(text: str, targets: frozenset[str] | set[str], window: int = 4) -> bool:
    """Whether a negation in the text stands before one of ``targets`` (normalized terms),
    within ``window`` words: "has not agreed" negates "agreed"; a "not" three clauses away
    does not, nor does one after the word ("the regime did not relish" leaves "regime" as is).

    >>> negated_near("Russia has not agreed to it.", {"agreed"})
    True
    >>> negated_near("A prospect the regime did not relish.", {"regime"})
    False
    >>> negated_near("That is not going to change, Kislyak said, the envoy.", {"envoy"})
    False
    >>> negated_near("He pleaded not guilty. The trial opened.", {"trial"})
    False
    """
    for part in re.split(r"[.;!?:]\s", text):  # a "not" bears on its own sentence only
        words = re.findall(r"[\w'’]+", part)
        negations = [i for i, w in enumerate(words) if _NEGATION.search(w)]
        hits = [i for i, w in enumerate(words) if negations and _norm(w) in targets]
        if any(0 < j - i <= window for i in negations for j in hits):
            return True
    return False


#: Words news near-misses swap ("injured" for "killed"): a claim using one side while its
#: evidence uses only the other is not supported, whatever else they share.
_CONTRASTS = (
    ("killed kill kills killing dead died die dies death deaths", "injured injuring wounded hurt"),
    ("killed kill kills killing dead died die dies death deaths", "displaced fled flee refugees"),
    ("injured injuring wounded hurt", "displaced fled flee refugees"),
    ("arrested detained captured", "released freed"),
    ("won win wins winning", "lost lose loses losing"),
    ("rose rise rises risen increased increase grew", "fell fall falls fallen decreased decrease"),
    ("agreed accepted approved backed", "rejected refused declined vetoed"),
)
_CONTRAST_SETS = [(frozenset(a.split()), frozenset(b.split())) for a, b in _CONTRASTS]


def contrasted(claim: str, evidence: str) -> bool:
    """The claim uses one side of a contrast the evidence only states the other side of.

    >>> contrasted("Ten people were injured.", "The bomb killed ten people.")
    True
    >>> contrasted("Ten people were killed.", "The bomb killed ten people and injured five.")
    False
    >>> contrasted("How many civilians were killed?", "90,000 civilians have been displaced.")
    True
    """
    said = set(re.findall(r"[a-z]+", claim.lower()))
    seen = set(re.findall(r"[a-z]+", evidence.lower()))
    for a, b in _CONTRAST_SETS:
        for mine, other in ((a, b), (b, a)):
            if said & mine and not seen & mine and seen & other:
                return True
    return False


def _norm(word: str) -> str:
    w = word.lower().replace("’", "'").strip("'-.,")
    w = w.removesuffix("'s")
    if w in NUMBER_WORDS:
        return NUMBER_WORDS[w]
    if re.fullmatch(r"[\d,.]+", w):
        return w.replace(",", "")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


@lru_cache(maxsize=4096)
def terms(text: str) -> tuple[Term, ...]:
    """Content terms of a text, in order; names (capitalised mid-sentence) and numbers are keys.

    >>> [t.norm for t in terms("How many children died? Many fled.")]  # "how many" only asks
    ['children', 'died', 'many', 'fled']
    """
    out: list[Term] = []
    prev = ""
    for i, m in enumerate(_WORD.finditer(text)):
        word = m.group(0)
        norm = _norm(word)
        asks, prev = prev == "how" and norm in _HOW_WORDS, norm
        if asks or not _is_content(norm):  # "how many" asks; "many" is not what it asks about
            continue
        is_number = norm[0].isdigit()
        is_name = word[0].isupper() and (i > 0 or word.isupper())
        out.append(Term(norm, is_number or is_name, word))
    return tuple(out)


_HOW_WORDS = frozenset({"many", "much"})


def _is_content(norm: str) -> bool:
    """A normalized word that carries content: not a stopword, not a lone letter."""
    return (
        bool(norm)
        and norm not in STOPWORDS
        and norm not in _EXTRA_STOP
        and (len(norm) > 1 or norm.isdigit())
    )


def matches(term: str, vocab: set[str]) -> bool:
    """The term is in the vocabulary, or a spelling variant of a name in it (Vitaly/Vitali)."""
    if term in vocab:
        return True
    if len(term) >= 5 and not term[0].isdigit():
        # Spelling variants of names (Vitaly/Vitali, Sergei/Sergey): same stem, one letter off.
        return any(
            len(v) >= 5
            and v[:4] == term[:4]
            and abs(len(v) - len(term)) <= 1
            and _one_edit(v, term)
            for v in vocab
        )
    return False


def _one_edit(a: str, b: str) -> bool:
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


def support(
    sentence: str, span: str, ignore: frozenset[str] = frozenset(), *, polarity: bool = False
) -> float:
    """Share of the sentence's content found in the span, 0..1 (names and numbers count double).

    Terms in ``ignore`` (e.g. words of the question itself) are left out of the count. With
    ``polarity``, a claim (more than two terms) and a span that disagree on negation score
    ``NEGATION_MISMATCH`` of it.
    Returns 0 when the sentence has no content terms.
    """
    wanted = [t for t in terms(sentence) if t.norm not in ignore]
    if not wanted:
        return 0.0
    vocab = {t.norm for t in terms(span)}
    total = sum(2.0 if t.key else 1.0 for t in wanted)
    found = sum(2.0 if t.key else 1.0 for t in wanted if matches(t.norm, vocab))
    # A bare name or number states nothing that could be negated; a claim's negation is
    # compared with a negation next to its own words in the span.
    if polarity and len(wanted) > 2:
        lower = {_norm(w) for w in re.findall(r"[a-z][\w'’]*", sentence)}  # not names
        claim = {t.norm for t in wanted if not t.key and t.norm in lower}
        if negated(sentence) != negated_near(span, claim):
            found *= NEGATION_MISMATCH
    return round(found / total, 4)


_PARTICLES = frozenset({"al", "bin", "de", "van", "von", "and"})


def restated_name(
    question: str, sentence: str, max_words: int = 4, *, names_only: bool = True
) -> str | None:
    """The name a sentence adds to a restatement of the question, if a name is all it adds:
    "The individual whose trial … is Sam Bankman-Fried." → "Sam Bankman-Fried". None when it
    adds anything else (a number, an uncapitalised word) or more than ``max_words`` words.
    With ``names_only=False`` any one run of added words without a number is the answer
    ("… read the trip as a sign of weakness." → "sign of weakness").

    >>> q = "Which company is at the center of antitrust concerns, per The Verge?"
    >>> restated_name(q, "Google is at the center of antitrust concerns, per The Verge.")
    'Google'
    >>> restated_name(q, "Google is at the center of 3 antitrust concerns.") is None
    True
    >>> restated_name(q, "Its ad deals are at the center of antitrust concerns.", names_only=False)
    'ad deals'
    """
    asked = question_words(question)
    words = list(_WORD.finditer(sentence))
    added = [
        i for i, m in enumerate(words) if _is_content(n := _norm(m.group(0))) and n not in asked
    ]
    if not added or len(added) > max_words:
        return None
    run = words[added[0] : added[-1] + 1]
    if any(_norm(m.group(0))[:1].isdigit() for m in run):
        return None  # a number is judged with its claim ("killed 10", not "10")
    capitalised = all(m.group(0)[0].isupper() or m.group(0).lower() in _PARTICLES for m in run)
    if names_only and not capitalised:
        return None  # the added words are not one name ("Pittman …, who faces … Texans")
    if len(run) > 2 * max_words:
        return None  # the added words are scattered through the sentence, not one phrase
    phrase = sentence[run[0].start() : run[-1].end()]
    return re.sub(r"['’]s$", "", phrase)


def adds_to(question: str, text: str) -> bool:
    """Whether the text says something the question does not: a content word whose first five
    letters are not those of a question word ("credited" only restates "credit").

    >>> adds_to("Where did Russia circulate the draft?", "Russia circulated the draft.")
    False
    >>> adds_to("Where did Russia circulate the draft?", "Russia circulated it in New York.")
    True
    """
    asked = question_words(question)
    return any(w not in asked for w in term_set(text))


class _Asked(frozenset[str]):
    """A question's words, matched by their first five letters or by their stem (an irregular
    past form by its verb's: "struck" for "strike")."""

    def __contains__(self, norm: object) -> bool:
        return isinstance(norm, str) and (
            frozenset.__contains__(self, norm[:5])
            or frozenset.__contains__(self, stem(norm))
            or frozenset.__contains__(self, stem(lemma(norm)))
        )


def question_words(question: str) -> frozenset[str]:
    """The question's content words, as a set that holds any inflection of them: ``"warned"
    in question_words("Did he warn?")`` (a stem) as well as "credited" for "credit" (the first
    five letters). Used to tell what an answer repeats from the question from what it adds.

    >>> "warned" in question_words("How long did he warn?"), "said" in question_words("Who?")
    (True, False)
    >>> "struck" in question_words("Where did it strike?")
    True
    """
    norms = term_set(question)
    return _Asked({n[:5] for n in norms} | {stem(lemma(n)) for n in norms})


def term_set(text: str) -> frozenset[str]:
    """The normalized content terms of a text, as a set."""
    return frozenset(t.norm for t in terms(text))
