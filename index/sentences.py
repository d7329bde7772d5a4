"""Sentence spans in text: rule-based, abbreviation-aware, never cuts inside a sentence.

Example:
    >>> text = "Mr. Kerry met Lavrov in the U.S. capital. They spoke.\\nNew line"
    >>> [text[s:e] for s, e in split_sentences(text)]
    ['Mr. Kerry met Lavrov in the U.S. capital.', 'They spoke.', 'New line']
"""

from __future__ import annotations

import re

# Words that end in a period without ending a sentence.
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "gen",
        "lt",
        "col",
        "capt",
        "maj",
        "sgt",
        "adm",
        "gov",
        "sen",
        "rep",
        "pres",
        "rev",
        "hon",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "nos",
        "vs",
        "etc",
        "inc",
        "corp",
        "co",
        "ltd",
        "dept",
        "fig",
        "approx",
        "est",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
        "u.s",
        "u.n",
        "u.k",
        "u.s.a",
        "e.u",
        "al",
    ]
)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")
_WORD_BEFORE = re.compile(r"(\S+)$")


def _is_abbreviation(before: str) -> bool:
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1).lstrip("(\"'“‘").rstrip(".").lower()
    if word in ABBREVIATIONS:
        return True
    # Initials such as "J." or "U.S" (single letters separated by periods).
    return bool(re.fullmatch(r"([a-z]\.)*[a-z]", word))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences in ``text[start:end]``.

    Line breaks always end a sentence; spans exclude surrounding whitespace.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    line_start = start
    for line_end in [m.start() for m in re.finditer(r"\n", text[start:end])] + [end - start]:
        line_end += start
        _split_line(text, line_start, line_end, spans)
        line_start = line_end + 1
    return spans


def _split_line(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    cursor = start
    for m in _BOUNDARY.finditer(text, start, end):
        following = text[m.end() : m.end() + 1]
        if following and not (following.isupper() or following.isdigit() or following in "\"“‘'(["):
            continue
        if text[m.start()] == "." and _is_abbreviation(text[cursor : m.start()]):
            continue
        _add(text, cursor, m.end(), out)
        cursor = m.end()
    _add(text, cursor, end, out)


def _add(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    segment = text[start:end]
    stripped = segment.strip()
    if stripped:
        lead = len(segment) - len(segment.lstrip())
        out.append((start + lead, start + lead + len(stripped)))
