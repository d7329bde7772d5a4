"""Filters read from the question itself: publishers and dates it names.

News questions often say where and when ("as reported by The Verge and TechCrunch",
"published on October 5, 2023"). Restricting retrieval to those publishers and dates was
the largest single gain measured on MultiHop-RAG (docs/design.md).

Example:
    >>> pubs = publisher_aliases(["TechCrunch", "The Verge", "FOX News - Health"])
    >>> f = parse_filters("Did The Verge and Fox News report it on October 5, 2023?", pubs)
    >>> f.publishers, f.dates[:2]
    ([['The Verge'], ['FOX News - Health']], ['2023-10-04', '2023-10-05'])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from index.clean import DATE_PATTERNS, month_number


@dataclass
class Filters:
    """Restrictions on which chunks may be retrieved."""

    publishers: list[list[str]] = field(default_factory=list)  # one group per named publisher
    dates: list[str] = field(default_factory=list)  # allowed ISO dates (named ±1 day)
    doc_ids: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.publishers or self.dates or self.doc_ids)


def short_name(publisher: str) -> str:
    """'The Independent - Life and Style' → 'The Independent'; 'Cnbc | World…' → 'Cnbc'."""
    return re.split(r"\s+[-|:–]\s+|:\s+", publisher, maxsplit=1)[0].strip()


def publisher_aliases(publishers: Iterable[str]) -> dict[str, list[str]]:
    """Map each lowercase name a question might use to the stored publisher values."""
    aliases: dict[str, list[str]] = {}
    for pub in sorted(set(p for p in publishers if p)):
        names = {pub.lower(), short_name(pub).lower()}
        for name in list(names):
            if name.startswith("the ") and len(name) > 8:
                names.add(name[4:])
        for name in names:
            if len(name) >= 3:
                aliases.setdefault(name, [])
                if pub not in aliases[name]:
                    aliases[name].append(pub)
    return aliases


def _named_publishers(question: str, aliases: dict[str, list[str]]) -> list[list[str]]:
    text = question.lower()
    found: list[tuple[int, list[str]]] = []
    taken: list[tuple[int, int]] = []
    for name in sorted(aliases, key=len, reverse=True):
        for m in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            if all(group != aliases[name] for _, group in found):
                found.append((m.start(), aliases[name]))
    return [group for _, group in sorted(found, key=lambda x: x[0])]


def named_dates(question: str) -> list[str]:
    """ISO dates named in full in the question, in order ('October 5, 2023', '2023-10-05')."""
    found: list[tuple[int, str]] = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(question):
            g = m.groupdict()
            month = int(g["mnum"]) if g.get("mnum") else month_number(g["month"])
            try:
                found.append((m.start(), date(int(g["year"]), month, int(g["day"])).isoformat()))
            except ValueError:
                continue
    return [iso for _, iso in sorted(found)]


def parse_filters(question: str, aliases: dict[str, list[str]]) -> Filters:
    """Publishers and dates the question names; each date also allows the day before/after
    (stored times are UTC, a question's date may be local)."""
    dates: list[str] = []
    for iso in named_dates(question):
        day = date.fromisoformat(iso)
        for delta in (-1, 0, 1):
            d = (day + timedelta(days=delta)).isoformat()
            if d not in dates:
                dates.append(d)
    return Filters(publishers=_named_publishers(question, aliases), dates=dates)
