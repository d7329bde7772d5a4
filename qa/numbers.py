"""Numbers and what they count: a claim that binds a number to the wrong noun.

The small model reads "36 children and 34 women" and writes "36 women"; a lexical support
check finds every word of that claim in the quote. This check compares what each number
counts in the claim with what it counts in the quote.
"""

from __future__ import annotations

import re

_COUNT_TOKEN = re.compile(r"\d[\d,.]*\d|\d|[A-Za-z]+")
#: Words that follow a number without being what it counts ("36 of the …").
_COUNT_LINKS = frozenset("and or of the in to".split())


def _counts(text: str, reach: int) -> list[tuple[str, list[str]]]:
    tokens = _COUNT_TOKEN.findall(text)
    return [
        (tok, [w.lower()[:5] for w in tokens[i + 1 : i + 1 + reach] if not w[0].isdigit()])
        for i, tok in enumerate(tokens)
        if tok[0].isdigit()
    ]


def misbound_number(sentence: str, span: str, reach: int = 3) -> bool:
    """The sentence gives a number to a noun that the span counts with another number (the
    model's "36 women" where the span says "36 children and 34 women").

    >>> span = "At least 127 civilians, including 36 children and 34 women, were killed."
    >>> misbound_number("36 women were killed.", span), misbound_number("34 women died.", span)
    (True, False)
    """
    given = _counts(span, reach)
    for number, after in _counts(sentence, reach):
        noun = after[0] if after else ""
        if not noun or noun in _COUNT_LINKS:
            continue
        bound = any(m == number and noun in words for m, words in given)
        if not bound and any(m != number and noun in words for m, words in given):
            return True
    return False
