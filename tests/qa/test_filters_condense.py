"""Question-derived filters and the condensing guards (pure logic)."""

from __future__ import annotations

from qa.answer import Message
from qa.condense import condense, needs_context
from qa.filters import named_dates, parse_filters, publisher_aliases, short_name

PUBS = [
    "TechCrunch",
    "The Verge",
    "The Independent - Life and Style",
    "The Independent - Sports",
    "Cnbc | World Business News Leader",
    "Science News For Students",
    "Yahoo News",
]


def test_publisher_names_and_aliases():
    aliases = publisher_aliases(PUBS)
    assert short_name("Cnbc | World Business News Leader") == "Cnbc"
    f = parse_filters("Did The Verge and TechCrunch both report on it?", aliases)
    assert f.publishers == [["The Verge"], ["TechCrunch"]]
    f = parse_filters("What does The Independent say?", aliases)
    assert f.publishers == [["The Independent - Life and Style", "The Independent - Sports"]]
    f = parse_filters("According to Science News For Students and CNBC?", aliases)
    assert f.publishers == [["Science News For Students"], ["Cnbc | World Business News Leader"]]
    assert not parse_filters("Who won the match?", aliases)


def test_dates_named_in_questions():
    assert named_dates("published on October 5, 2023, and on 7 December 2023") == [
        "2023-10-05",
        "2023-12-07",
    ]
    f = parse_filters("the article from October 5, 2023", {})
    assert f.dates == ["2023-10-04", "2023-10-05", "2023-10-06"]


def test_condense_guards():
    history = [
        Message(role="user", content="Who is Russia's UN ambassador?"),
        Message(role="assistant", content="Vitaly Churkin [1]."),
    ]
    calls = []

    def rewrite(h: str, q: str) -> str:
        calls.append((h, q))
        return "What did Vitaly Churkin say about the Aleppo offensive?"

    assert condense("Hello!", history, rewrite) == "Hello!"
    assert condense("Who is John Kerry?", history, rewrite) == "Who is John Kerry?"
    assert calls == []  # standalone questions and greetings never reach the model
    # A pronoun resolved from the conversation costs no model call.
    assert condense("What did he say about Aleppo?", history, rewrite) == (
        "What did Vitaly Churkin say about Aleppo?"
    )
    assert condense("And what about its casualties?", history, rewrite) == (
        "And what about its casualties? (Who is Russia's UN ambassador?)"
    )
    assert calls == []
    # The model is asked only when the conversation names no one.
    vague = [
        Message(role="user", content="Who leads the talks in Geneva?"),
        Message(role="assistant", content="The UN special envoy [1]."),
    ]
    assert condense("What did he say?", vague, rewrite).startswith("What did Vitaly Churkin")
    assert "Assistant: The UN special envoy." in calls[0][0]  # markers stripped from history
    # A rewrite that is empty or rambles is discarded for the guard's fallback.
    assert condense("What did he say?", vague, lambda h, q: "") == (
        "What did he say? (Who leads the talks in Geneva?)"
    )
    assert condense("What did he say?", vague, lambda h, q: "x " * 200).startswith(
        "What did he say? ("
    )
    assert condense("What did he say?", [], rewrite) == "What did he say?"
    assert needs_context("And what about Turkey?")
