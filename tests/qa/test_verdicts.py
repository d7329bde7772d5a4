"""Yes/no verdicts: cited by the question's claims, refused, or turned by a stated denial."""

from __future__ import annotations

from qa.verdicts import cite_verdict, is_verdict
from tests.qa.passages import passage

P1 = passage(1, "Kerry spoke in Vienna on Friday. The talks ended without a deal.", start=10)
P2 = passage(2, "At least 127 civilians, including 36 children, were killed by Russian airstrikes.")
P3 = passage(3, "Sergey Kislyak said the mission was to fight terrorists.")


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
    q = "Were most of Russia's airstrikes on Islamic State militants?"
    contrast = passage(
        7,
        "While Russia has said it is targeting Islamic State militants, most of its "
        "airstrikes have been on mainstream rebels.",
    )
    no = cite_verdict("No", [contrast], q)
    assert no.supported and no.citations[0].chunk_id == "c7"
    # The same words stated in one clause still block the "No".
    stated = passage(8, "Most of Russia's airstrikes were on Islamic State militants, it said.")
    no = cite_verdict("No", [stated], q)
    assert not no.supported
