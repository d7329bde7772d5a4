"""Citation attachment, renumbering and verification on hand-made cases (no model)."""

from __future__ import annotations

from qa.citations import cite, split_answer, strip_markers
from qa.names import missing_keys
from qa.support import support
from tests.qa.passages import passage

P1 = passage(1, "Kerry spoke in Vienna on Friday. The talks ended without a deal.", start=10)
P2 = passage(2, "At least 127 civilians, including 36 children, were killed by Russian airstrikes.")
P3 = passage(3, "Sergey Kislyak said the mission was to fight terrorists.")


def test_citations_are_numbered_in_order_of_first_use_not_passage_rank():
    text, sentences, cites = cite(
        "Airstrikes killed 127 civilians. Kislyak said the mission was to fight terrorists. "
        "Kerry spoke in Vienna.",
        [P1, P2, P3],
    )
    assert [c.chunk_id for c in cites] == ["c2", "c3", "c1"]
    assert [c.n for c in cites] == [1, 2, 3]
    assert text == (
        "Airstrikes killed 127 civilians [1]. Kislyak said the mission was to fight "
        "terrorists [2]. Kerry spoke in Vienna [3]."
    )
    assert all(s.supported for s in sentences)


def test_quote_offsets_point_into_the_article():
    _, _, cites = cite("Kerry spoke in Vienna on Friday.", [P1])
    c = cites[0]
    article = " " * 10 + P1.text
    assert article[c.start : c.end] == c.quote == "Kerry spoke in Vienna on Friday."


def test_wrong_number_is_not_supported_and_gets_no_citation():
    _, sentences, cites = cite("Airstrikes killed 250 civilians.", [P1, P2, P3])
    assert not sentences[0].supported and cites == []


def test_model_markers_are_ignored_and_replaced():
    text, _, cites = cite("Kerry spoke in Vienna on Friday [3].", [P1, P2, P3])
    assert cites[0].chunk_id == "c1" and text.endswith("[1].")
    assert strip_markers("A [1] b [2, 3].") == "A b."


def test_same_span_cited_twice_keeps_one_number():
    text, _, cites = cite("Kerry spoke in Vienna. Kerry spoke on Friday.", [P1])
    assert len(cites) == 1 and text.count("[1]") == 2


def test_unsupported_sentence_among_supported_ones_is_flagged():
    _, sentences, _ = cite("Kerry spoke in Vienna. Putin visited Paris in June.", [P1, P2])
    assert [s.supported for s in sentences] == [True, False]


def test_support_scores_names_numbers_and_spelling_variants():
    assert support("Vitaly Churkin spoke.", "Vitali Churkin spoke at the UN.") == 1.0
    assert support("It killed ten people.", "A bomb killed 10 people.") == 1.0
    assert missing_keys("Lavrov met Kerry in Geneva.", "Kerry met Lavrov in Munich.") == ["geneva"]
    assert support("", "anything") == 0.0


def test_negation_is_part_of_support():
    denied = passage(4, "Russia has not agreed to the ceasefire in Aleppo.")
    _, sentences, _ = cite("Russia agreed to the ceasefire in Aleppo.", [denied])
    assert not sentences[0].supported
    _, sentences, _ = cite("Russia has not agreed to the ceasefire.", [denied])
    assert sentences[0].supported


def test_split_answer_handles_markers_and_abbreviations():
    assert split_answer("The U.S. agreed [1]. Russia did not [2].") == [
        "The U.S. agreed.",
        "Russia did not.",
    ]
