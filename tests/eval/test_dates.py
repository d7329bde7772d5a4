"""Dates written any common way (eval/dates.py), as RGB's snippets and model answers write them."""

from __future__ import annotations

import pytest

from eval.dates import dates_in, states_date

GOLD = ["November 12 2020", "Nov 12, 2020", "12 November 2020"]


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("premiere episode on Thursday, November 12. Going forward", True),
        ("Season 17 starts Nov. 12, 2020.", True),
        ("out on 12th of November", True),
        ("12 Nov 2020", True),
        ("Nov. 12, 2019", False),  # another year written next to the day
        ("November 21", False),
        ("12 November people came", True),  # a day before the month reads as a date
        ("in November 2020", False),  # no day
        ("Season 12 premiered in November", False),
        ("Nov. 112", False),
    ],
)
def test_states_date(text, stated):
    assert states_date(text, GOLD) is stated


def test_dates_in_reads_both_orders_and_optional_years():
    assert dates_in("Sept. 17, 2016 and 3rd March and Dec 1 1998") == [
        (9, 17, 2016),
        (3, 3, None),
        (12, 1, 1998),
    ]
    assert dates_in("no dates here, may I?") == []
    assert not states_date("Nov. 12", ["a name, not a date"])
