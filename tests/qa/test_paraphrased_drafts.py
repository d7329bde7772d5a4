"""finalize() on drafts to questions asked in other words than the passages' (issue 17).

Pure: hand-made passages from the sample articles, no model. The verifier judges what the
draft adds (its answer), not whether the question's wording is in the passage.
"""

from __future__ import annotations

from qa.finalize import finalize
from qa.support import restated_name
from tests.qa.passages import passage

HAMA = (
    "In Hama province, where the regime has been stalled by rebel defenses, Mr. Assad's visit to "
    "Moscow was cast by rebels as a sign of weakness."
)
TRAINED = (
    "While Russia has said it is targeting Islamic State militants, most of its airstrikes have "
    "been on mainstream rebels, some of which have been trained and equipped by Washington."
)
READ = (
    "How did insurgents in the central province where the army is stuck read the Syrian "
    "leader's trip to the Russian capital?"
)
SUPPLIED = (
    "Who had prepared and supplied some of the mainstream insurgent groups bearing the brunt of "
    "Moscow's raids?"
)


def test_a_restated_question_around_an_answer_phrase_is_judged_as_the_phrase() -> None:
    draft = (
        "Insurgents in the central province where the army is stuck read the Syrian leader's "
        "trip to the Russian capital as a sign of weakness."
    )
    title = {"title": "Syrian rebels dig in as Russian jets strike"}
    by_meaning = passage(1, HAMA).model_copy(update={"by_meaning": 0.54, **title})
    final = finalize(draft, [by_meaning], READ)
    assert (final.outcome, final.text) == ("model", "sign of weakness [1]")
    # The same phrase from a passage the retriever found on words, with none of the
    # question's: too short to say it is about the question.
    by_words = passage(1, HAMA).model_copy(update=title)
    assert finalize(draft, [by_words], READ).outcome != "model"


def test_a_bare_name_stands_when_its_passage_matched_the_question_in_meaning() -> None:
    close = passage(1, TRAINED).model_copy(update={"by_meaning": 0.49})
    assert finalize("Washington", [close], SUPPLIED).text == "Washington [1]"
    far = passage(1, TRAINED).model_copy(update={"by_meaning": 0.3})
    assert finalize("Washington", [far], SUPPLIED).refused
    assert finalize("Washington", [passage(1, TRAINED)], SUPPLIED).refused


def test_a_number_is_not_cut_from_its_claim() -> None:
    question = "How many people were injured in the Damascus car bombing near the police club?"
    draft = "Ten people were injured in the Damascus car bombing near the police club."
    assert restated_name(question, draft, names_only=False) is None
    assert restated_name(READ, "They read it as a sign of weakness.", names_only=False) == (
        "sign of weakness"
    )


# data/sample/003_b5e0c7ee18c80093.txt; the question is dev record k010 (session 25).
KISLYAK = (
    "On Monday, Russia's ambassador to the US had admitted to journalists that it would be hard "
    'to get the talks re-started - but put the blame on the opposition "terrorists" fighting '
    "Assad.\n\n\"We have only one mission. That's to deal with terrorists. That is not going to "
    'change," Sergey Kislyak said, arguing that defeating the rebels would create the conditions '
    "for a political settlement."
)
ENVOY = (
    "What did Moscow's envoy in Washington argue would pave the way for a political deal in Syria?"
)


def test_a_capital_named_for_its_government_is_mentioned_by_its_country() -> None:
    """ "Moscow's envoy in Washington" is Russia's ambassador to the US: neither city is
    named by the passage, and neither counts as a name the passage does not mention."""
    draft = (
        "Russia's envoy in Washington argued that defeating the rebels would create the "
        "conditions for a political settlement."
    )
    final = finalize(draft, [passage(1, KISLYAK)], ENVOY)
    assert final.outcome == "model" and "defeating the rebels" in final.text
    # A question about other people and places is still not answered from this passage.
    elsewhere = "What did Beijing's envoy in Paris argue would pave the way for a deal in Syria?"
    assert finalize(draft, [passage(1, KISLYAK)], elsewhere).refused


def test_what_a_draft_repeats_from_the_question_may_be_inflected() -> None:
    """ "warned" repeats the question's "warn": the answer phrase is what the draft adds."""
    question = "How long did Churkin warn the war would go on without a cease-fire?"
    draft = "Churkin warned the war would go on for a decade without a cease-fire."
    assert restated_name(question, draft, names_only=False) == "decade"
