"""Dates written any common way: is a gold date ("November 12, 2020") stated in a text?

RGB's gold dates list a handful of spellings ("Nov. 12, 2020", "12 November 2020", …), so an
answer or snippet that writes "Thursday, Nov. 12" or "20th April 2018" is not found by the
contains rule. :func:`states_date` reads month and day in either order, with or without an
ordinal suffix, and accepts a missing year; a year written next to the day must be the gold's.

Example:
    >>> states_date("It premieres on Thursday, Nov. 12.", ["November 12, 2020"])
    True
    >>> states_date("Out on 20th April 2018", ["April 20 2018"])
    True
    >>> states_date("Nov. 12, 2019", ["November 12, 2020"]), states_date("Nov. 13", ["Nov 12"])
    (False, False)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.clean import MONTH_NAMES, month_number

_DATE_RE = re.compile(
    rf"\b(?:(?P<month>{MONTH_NAMES})\.?\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b"
    rf"|(?P<day2>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month2>{MONTH_NAMES})\b\.?)"
    r"(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?",
    re.I,
)

Date = tuple[int, int, int | None]


def dates_in(text: str) -> list[Date]:
    """(month, day, year or None) of every month-and-day date written in ``text``.

    >>> dates_in("On Sept. 12 and on 3rd of March 2016.")
    [(9, 12, None), (3, 3, 2016)]
    """
    found: list[Date] = []
    for m in _DATE_RE.finditer(text):
        month = month_number(m["month"] or m["month2"])
        day = int(m["day"] or m["day2"])
        year = m["year"]
        if 1 <= day <= 31:
            found.append((month, day, int(year) if year else None))
    return found


def states_date(text: str, golds: Sequence[str]) -> bool:
    """True when ``text`` writes one of the gold dates (month and day; the year may be left
    out, but a year written next to the day must match)."""
    wanted = [d for g in golds for d in dates_in(g)]
    for month, day, year in dates_in(text):
        for g_month, g_day, g_year in wanted:
            if (month, day) == (g_month, g_day) and (year is None or g_year in (None, year)):
                return True
    return False
