"""Yes/no verdicts: cited by the question's claims, refused, or turned by a stated denial."""

from __future__ import annotations

from qa.verdicts import cite_verdict, is_verdict
from tests.qa.passages import passage

P1 = passage(1, "Kerry spoke in Vienna on Friday. The talks ended without a deal.", start=10)
P2 = passage(2, "At least 127 civilians, including 36 children, were killed by Russian airstrikes.")
P3 = passage(3, "Sergey Kislyak said the mission was to fight terrorists.")
AIRSTRIKES = "Were most of Russia's airstrikes on Islamic State militants?"
CONTRAST = passage(
    7,
    "While Russia has said it is targeting Islamic State militants, most of its "
    "airstrikes have been on mainstream rebels.",
)


def test_yes_no_verdicts_are_cited_by_the_questions_claims():
    assert is_verdict("Yes.") and is_verdict("no") and not is_verdict("Yes, Kerry spoke.")
    q = "Did Kerry speak in Vienna on Friday, while airstrikes killed 127 civilians?"
    yes = cite_verdict("Yes.", [P1, P2, P3], q)
    assert yes.text in ("Yes [1]", "Yes [1][2]") and yes.supported and not yes.turned
    assert {c.chunk_id for c in yes.citations} == {"c1", "c2"}
    no = cite_verdict("No", [P3], "Did Putin visit Paris in June?")
    assert not no.supported and no.citations == [] and no.text == "No"


def test_yes_no_verdicts_need_evidence_that_bears_on_yes_versus_no():
    denied = passage(4, "Russia has not agreed to the ceasefire in Aleppo.")
    q = "Has Russia agreed to the ceasefire in Aleppo?"
    no = cite_verdict("No.", [denied], q)
    assert no.supported and not no.turned and no.citations[0].chunk_id == "c4"
    # The passage says the opposite of "Yes": the verdict is turned, cited the same way.
    turned = cite_verdict("Yes.", [denied], q)
    assert (turned.text, turned.turned, turned.citations) == (no.text, True, no.citations)
    agreed = passage(5, "Russia has agreed to the ceasefire in Aleppo.")
    yes, no = cite_verdict("Yes", [agreed], q), cite_verdict("No", [agreed], q)
    assert yes.supported and not yes.turned and not no.supported
    # A "No" against a passage that bears on the claim without stating it: "dismissed" is not
    # "welcomed", which no lexical check can see, so the model's reading of it stands.
    dismissed = passage(6, "Samantha Power dismissed Russia's new draft resolution on Aleppo.")
    q = "Did Samantha Power welcome Russia's new draft resolution?"
    no = cite_verdict("No", [dismissed], q)
    assert no.supported and no.citations[0].chunk_id == "c6"
    # ... but a "Yes" is not turned by it: only a stated denial turns a verdict.
    yes = cite_verdict("Yes", [dismissed], q)
    assert yes.supported and not yes.turned
    no = cite_verdict("No", [agreed], "Did Samantha Power welcome the Paris treaty?")
    assert not no.supported  # the passage is not about it at all


def test_a_yes_is_not_turned_by_a_denial_of_another_place():
    denied = passage(4, "Russia has not agreed to the ceasefire in Aleppo.")
    near_miss = cite_verdict("Yes.", [denied], "Has Russia agreed to the ceasefire in Idlib?")
    assert not near_miss.supported and not near_miss.turned and near_miss.citations == []


def test_a_no_stands_against_a_contrast_that_splits_the_claims_words():
    q, contrast = AIRSTRIKES, CONTRAST
    no = cite_verdict("No", [contrast], q)
    assert no.supported and no.citations[0].chunk_id == "c7"
    # The same words stated in one clause still block the "No".
    stated = passage(8, "Most of Russia's airstrikes were on Islamic State militants, it said.")
    no = cite_verdict("No", [stated], q)
    assert not no.supported


def test_a_yes_split_by_a_contrast_is_turned_to_no():
    # dev g084: the passage's words hold the claim only across "While …, …"
    q, contrast = AIRSTRIKES, CONTRAST
    turned = cite_verdict("Yes", [contrast], q)
    assert (turned.text, turned.turned) == ("No [1]", True)
    # Stated on one side of the contrast, the claim stands.
    stated = passage(
        8, "Most of Russia's airstrikes were on Islamic State militants, but rebels were hit too."
    )
    yes = cite_verdict("Yes", [stated], q)
    assert yes.supported and not yes.turned


def test_a_verb_that_says_it_did_not_happen_contradicts_a_yes():
    # dev g081: "refrained, as he has repeatedly, from directly blaming"
    refrained = passage(
        9,
        "De Mistura briefed the council, but diplomats said he refrained, as he has "
        "repeatedly, from directly blaming one side or the other for the demise of the talks.",
    )
    q = "Did de Mistura directly blame one side for the demise of the talks?"
    assert cite_verdict("Yes", [refrained], q).turned
    assert cite_verdict("No", [refrained], q).supported
    denied = passage(
        10, "Moscow denied accusations that its jets had bombed the hospital in Idlib."
    )
    q = "Did Moscow's jets bomb the hospital in Idlib?"
    assert cite_verdict("Yes", [denied], q).turned
    # The same verb in the question and the passage agrees: "Did Moscow deny …?" is a "Yes".
    yes = cite_verdict("Yes", [denied], "Did Moscow deny that its jets had bombed the hospital?")
    assert yes.supported and not yes.turned


def test_the_same_verb_in_question_and_passage_is_no_denial():
    # dev y004: "keeps refusing military coordination" against "continues to refuse to
    # coordinate militarily" is the question's own claim, not its denial
    said = passage(
        11,
        "Lavrov said the peace initiative could collapse if the U.S. continues to refuse to "
        "coordinate militarily with Russia in Syria.",
    )
    q = (
        "Could the peace initiative collapse if the U.S. keeps refusing military coordination "
        "with Russia, according to Lavrov?"
    )
    yes = cite_verdict("Yes", [said], q)
    assert yes.supported and not yes.turned
