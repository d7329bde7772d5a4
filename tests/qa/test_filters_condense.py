"""Question-derived filters and the condensing guards (pure logic)."""

from __future__ import annotations

from collections.abc import Callable

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


def _chat(*turns: str) -> list[Message]:
    roles = ("user", "assistant")
    return [Message(role=roles[i % 2], content=t) for i, t in enumerate(turns)]


def _recording_rewrite(reply: str) -> tuple[list[str], Callable[[str, str], str]]:
    """A stand-in for the model's rewrite that records the questions it was asked."""
    calls: list[str] = []

    def rewrite(history: str, question: str) -> str:
        calls.append(question)
        return reply

    return calls, rewrite


def test_pronoun_keeps_the_conversation_subject():
    # The answer "Der Spiegel" is not the "he" of the third turn: he still is the minister.
    history = _chat(
        "Who is Saudi Arabia's foreign minister?",
        "Adel al-Jubeir [1]",
        "Which German weekly did he talk to?",
        "Der Spiegel [1]",
    )
    assert condense("What role did he say his country would play?", history, None) == (
        "What role did Adel al-Jubeir say his country would play?"
    )
    # "Whom did he blast?" names the object; the next "he" is the one who blasted.
    history = _chat(
        "Who is France's ambassador to the UN?",
        "Francois Delattre [1]",
        "Whom did he blast after the session?",
        "Bashar al-Assad [1]",
    )
    assert condense("And what did he say?", history, None) == "And what did Francois Delattre say?"
    # A turn that found no one (a refusal) does not lose the person named before it.
    history = _chat(
        "Who is the Russian Deputy Foreign Minister?",
        "Mikhail Bogdanov [1]",
        "Whom does he want Russia to coordinate with?",
        "The articles don't say.",
    )
    assert condense("How did he describe the talks?", history, None) == (
        "How did Mikhail Bogdanov describe the talks?"
    )


def test_a_pronoun_after_an_unanswered_who_question_takes_the_role():
    # Dev g095-g096: the first turn was refused, so no one was named; "he" is still the
    # ambassador asked about, and no model call is needed to say so.
    calls, rewrite = _recording_rewrite("Who did he blast?")

    history = _chat(
        "Who is France's ambassador to the UN quoted on the Aleppo offensive?",
        "The articles don't say.",
    )
    assert condense("Whom did he blast after the council session?", history, rewrite) == (
        "Whom did France's ambassador to the UN blast after the council session?"
    )
    history += _chat("Whom did he blast?", "Bashar al-Assad and Russia [1].")
    assert condense("And what did he say the regime imposes?", history, rewrite) == (
        "And what did France's ambassador to the UN say the regime imposes?"
    )
    assert calls == []
    # Once the answer names someone, the pronoun is theirs.
    named = _chat("Who is France's ambassador to the UN?", "Francois Delattre [1].")
    assert condense("Whom did he blast?", named, rewrite) == "Whom did Francois Delattre blast?"


def test_other_references_take_the_topic_question():
    history = _chat(
        "Which rebel coalition was the Geneva agreement about?",
        "Fatah al-Haleb [1]",
        "Which countries support it?",
        "The articles don't say.",
    )
    assert condense("How many groups is it made of?", history, None) == (
        "How many groups is it made of? (Which rebel coalition was the Geneva agreement about?)"
    )
    history = _chat(
        "Who is Russia's UN ambassador?",
        "Vitaly Churkin [1]",
        "What did he call on Assad to give up?",
        "A military victory [1]",
    )
    assert condense("Where was that interview posted?", history, None) == (
        "Where was that interview posted? (What did Vitaly Churkin call on Assad to give up?)"
    )


def test_a_follow_up_that_goes_on_with_and_asks_the_last_question_again():
    # Fresh dev m006: "And the Foreign Ministry?" (four words, no pronoun) was asked alone.
    calls, rewrite = _recording_rewrite("What is the Foreign Ministry?")

    history = _chat(
        "When did the Cessation of Hostilities begin?",
        "Sept. 12 [1]",
        "How did the Russian commanders react to it?",
        "With an unusually skeptical attitude [1].",
    )
    assert condense("And the Foreign Ministry?", history, rewrite) == (
        "And the Foreign Ministry? (How did the Russian commanders react to it?)"
    )
    history = _chat("Who is Kerry's spokesman?", "John Kirby [1]", "What did he say?", "…")
    assert condense("But when?", history, rewrite) == "But when? (What did John Kirby say?)"
    assert calls == []


def test_a_person_named_after_a_title_or_asked_about_by_name_is_the_subject():
    # Fresh dev m003: "Saudi Foreign Minister Adel al-Jubeir" was no person, so "he" went to
    # the model; m008: "Who is Husam Salameh?" made his group, named in the answer, the "he".
    history = _chat(
        "What did Saudi Foreign Minister Adel al-Jubeir say rebels should be supplied with?",
        "Surface-to-air missiles [1].",
    )
    assert condense("Which weekly did he say it to?", history, None) == (
        "Which weekly did Adel al-Jubeir say it to?"
    )
    history = _chat("Who is Husam Salameh?", "A leader with the Islamist Ahrar al-Sham [1].")
    assert condense("What does he say Russia wants?", history, None) == (
        "What does Husam Salameh say Russia wants?"
    )


def test_the_opening_question_is_the_topic_even_when_it_says_its():
    # Fresh dev m005: the opening question's own "its" made it look like a follow-up, so
    # "Over what period?" got the second turn ("… did they attack?") as its context.
    history = _chat(
        "How many combat sorties did the Russian Ministry of Defense say its warplanes had flown?",
        "46 [1]",
        "How many ground targets did they attack?",
        "83 [1]",
    )
    assert condense("Over what period?", history, None) == (
        "Over what period? (How many combat sorties did the Russian Ministry of Defense say its "
        "warplanes had flown?)"
    )
