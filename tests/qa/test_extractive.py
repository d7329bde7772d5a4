"""The extractive answerer quotes only sentences that hold the kind of answer asked for."""

from qa.answer import Passage
from qa.extractive import extract


def passage(text: str) -> Passage:
    return Passage(
        rank=1, chunk_id="c", doc_id="d", title="T", source="s", start=0, end=len(text),
        text=text, score=1.0,
    )  # fmt: skip


CONVOY = passage(
    "This is not how one builds trust. The air strike on the UN convoy near Aleppo, which "
    "Washington blamed on Russia, drew wide condemnation from aid agencies."
)


def test_how_many_needs_a_number():
    q = "How many people were killed in the air strike on the UN convoy near Aleppo?"
    assert extract(q, [CONVOY])[0] == ""
    counted = passage(CONVOY.text + " The air strike on the UN convoy near Aleppo killed 20.")
    assert "killed 20" in extract(q, [counted])[0]


def test_who_needs_a_name_the_question_does_not_give():
    q = "Who did Washington blame for the air strike on the UN convoy near Aleppo?"
    assert "Russia" in extract(q, [CONVOY])[0]
    anonymous = passage("Washington blamed the air strike on the UN convoy near Aleppo on others.")
    assert extract(q, [anonymous])[0] == ""


def test_when_accepts_a_neighbour_that_is_about_the_question():
    text = (
        "Staffan de Mistura planned merely to facilitate proximity talks in Geneva. Instead, "
        'he was forced to announce a "temporary pause" on Wednesday.'
    )
    q = "On which day did Staffan de Mistura announce a temporary pause in the Geneva talks?"
    assert "Wednesday" in extract(q, [passage(text)])[0]
