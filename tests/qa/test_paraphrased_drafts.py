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
