"""The retrieval gate's measure: how much of the question the passages hold, as shown."""

from __future__ import annotations

from qa.passages import topic_support
from tests.qa.passages import passage


def test_a_question_naming_its_sources_is_on_topic_through_titles_and_publishers() -> None:
    text = "Bankman-Fried built a facade of success for FTX, prosecutors said."
    p = passage(1, text).model_copy(update={"title": "SBF trial, day one", "publisher": "Fortune"})
    q = "Who, according to Fortune's report on the SBF trial, built a facade of success for FTX?"
    bare = topic_support(q, [p.model_copy(update={"title": "", "publisher": ""})])
    shown = topic_support(q, [p])
    assert bare < 0.7 <= shown


def test_passages_on_another_subject_stay_off_topic() -> None:
    p = passage(1, "The Lakers beat the Celtics 101-99 on Sunday.").model_copy(
        update={"title": "NBA roundup", "publisher": "Sporting News"}
    )
    assert topic_support("Who leads the Russian delegation in Geneva?", [p]) < 0.3
