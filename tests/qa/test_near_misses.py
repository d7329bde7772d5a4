"""Near misses the verifier turns down: a supported answer about something next to what was
asked (the other side of a contrast, another speaker, another meeting). Pure: hand-made
passages through the real ``finalize``, no model."""

from __future__ import annotations

from qa.finalize import finalize
from tests.qa.passages import passage


def test_who_led_needs_a_quote_that_says_someone_led() -> None:
    # Dev s057/h039: "X was led by <a name the passage merely mentions>" is a near miss.
    question = "Who led the Syrian delegation at the Geneva talks?"
    named = passage(1, "At the Geneva talks, Ankara blasted the government of Bashar al-Assad.")
    reply = "The Syrian delegation at the Geneva talks was led by Bashar al-Assad."
    assert finalize(reply, [named], question).refused
    led = passage(2, "At the Geneva talks, the Syrian delegation was led by Bashar Jaafari.")
    shown = finalize("The delegation was led by Bashar Jaafari.", [led], question)
    assert shown.outcome == "model" and "Bashar Jaafari" in shown.text


def test_words_said_at_a_named_occasion_come_from_a_passage_naming_it() -> None:
    # Dev g168: what Lavrov said "at the weekend" given for what he said at the Munich meeting.
    question = "What did Sergei Lavrov say at the Munich meeting?"
    weekend = passage(1, "Sergei Lavrov said at the weekend that the peace initiative could fail.")
    reply = "Sergei Lavrov said that the peace initiative could fail."
    assert finalize(reply, [weekend], question).outcome != "model"
    munich = passage(2, "In Munich, Sergei Lavrov said that the peace initiative could fail.")
    assert finalize(reply, [munich], question).outcome == "model"


def test_what_a_named_person_said_comes_from_their_speech() -> None:
    # Dev h034: a sentence about Assad given for what Assad said.
    question = "What did Bashar al-Assad say about the air strike on the convoy?"
    about = passage(1, "Bashar al-Assad clearly had a motive to strike the convoy near Aleppo.")
    reply = "Bashar al-Assad clearly had a motive to strike the convoy."
    assert finalize(reply, [about], question).outcome != "model"
    spoke = passage(2, "Bashar al-Assad told reporters the strike on the convoy was a provocation.")
    shown = finalize("He said the strike on the convoy was a provocation.", [spoke], question)
    assert shown.outcome == "model" and "provocation" in shown.text
    # A description, not a name, is not held to it ("the government in Ankara said").
    ankara = passage(
        3,
        "Turkish officials, who have sheltered millions of refugees for five years, were alarmed. "
        "The government in Ankara said that tens of thousands more were coming.",
    )
    turkish = "What did the Turkish authorities say about how many more were coming?"
    assert finalize("Tens of thousands more were coming.", [ankara], turkish).outcome == "model"


def test_a_name_inside_someone_elses_quote_is_not_the_speaker() -> None:
    # Dev k042: what Malashenko said (quoting no one) given for what Putin said about Aleppo,
    # because "Putin" stood near "said" inside Malashenko's own quote.
    malashenko = passage(
        1,
        "Russia won't stop its air campaign until Aleppo is captured, said Alexei Malashenko, "
        "a Middle East expert. \u201cThe bombing will continue, and Assad and Putin are "
        "completely in agreement over that,\u201d Malashenko said by phone.",
    )
    reply = "Russia won't stop its air campaign until Aleppo is captured."
    putin = "What did Vladimir Putin say about the capture of Aleppo?"
    assert finalize(reply, [malashenko], putin).outcome != "model"
    expert = "What did Alexei Malashenko say about the capture of Aleppo?"
    shown = finalize(reply, [malashenko], expert)
    assert shown.outcome == "model" and "air campaign" in shown.text


def test_a_count_quoted_of_the_other_side_of_a_contrast_is_a_near_miss() -> None:
    # Dev g166: "127" for how many were injured, from a quote that counts the killed.
    killed = passage(1, "At least 127 civilians, including 36 children, were killed by airstrikes.")
    injured = "How many civilians were injured by Russian airstrikes?"
    assert finalize("127", [killed], injured).outcome != "model"
    shown = finalize("127", [killed], "How many civilians were killed by Russian airstrikes?")
    assert shown.outcome == "model" and "127" in shown.text


def test_a_speaker_named_in_full_must_be_named_where_the_quote_is() -> None:
    # Dev k036: Kirby's words given as those of "Russia's ambassador to the US, Sergey Kislyak".
    kirby = passage(
        1,
        "Later, Kerry's spokesman John Kirby said that the Munich talks would be a "
        '"decision point" for the peace effort. On Monday, Russia\'s ambassador to the US had '
        "admitted it would be hard to restart the talks.",
    )
    reply = 'The Munich talks would be a "decision point" for the peace effort.'
    kislyak = (
        "What did Russia's ambassador to the US, Sergey Kislyak, say the Munich talks would be?"
    )
    assert finalize(reply, [kirby], kislyak).outcome != "model"
    spokesman = "What did State Department spokesman John Kirby say the Munich talks would be?"
    shown = finalize(reply, [kirby], spokesman)
    assert shown.outcome == "model" and "decision point" in shown.text


def test_an_agreement_at_another_meeting_is_a_near_miss() -> None:
    # Dev k029: the Munich meeting's plan given for what was agreed at a meeting in Vienna.
    munich = passage(
        1,
        "Kerry and Lavrov are due in Munich on Thursday to host a meeting of a 17-nation contact "
        "group designed to get the talks back on track.",
    )
    reply = "They agreed on a 17-nation contact group to get the talks back on track."
    vienna = "What did Kerry and Lavrov agree at their meeting in Vienna?"
    assert finalize(reply, [munich], vienna).outcome != "model"
    at_munich = "What did Kerry and Lavrov agree at their meeting in Munich?"
    assert "17-nation" in finalize(reply, [munich], at_munich).text


def test_a_quote_in_straight_marks_that_starts_before_the_lead_in_hides_no_speaker() -> None:
    # The quotation opens four sentences before the cited one: in the two sentences before
    # the quote alone, its straight marks would pair the wrong way round and hide "Putin said".
    putin = passage(
        1,
        'Putin spoke on Monday. "Aleppo will fall. The rebels will lose. The war will end. '
        'We will not stop," Putin said. "Russia will keep bombing until the city is taken."',
    )
    reply = "Russia will keep bombing until the city is taken."
    shown = finalize(reply, [putin], "What did Vladimir Putin say about the bombing?")
    assert shown.outcome == "model" and "keep bombing" in shown.text
    other = finalize(reply, [putin], "What did Alexei Malashenko say about the bombing?")
    assert other.outcome != "model"


def test_a_reaction_comes_from_a_passage_naming_who_reacted() -> None:
    # Fresh dev n004: rebels' words about Assad's trip given for how Tehran reacted to it.
    rebels = passage(
        1,
        "In Hama province, Mr. Assad's visit to Moscow was cast by rebels as a sign of weakness. "
        "Bashar has sneaked away for a visit to meet Putin, said a commander with a rebel group.",
    )
    reply = "Rebels cast the visit as a sign of weakness."
    tehran = "How did Tehran react to Bashar al-Assad's visit to the Kremlin?"
    assert finalize(reply, [rebels], tehran).outcome != "model"
    # A reaction need not be speech (dev g125): "the Russian reaction was to …".
    bombed = passage(
        2,
        "When coalition aircraft bombed the Syrian Army positions at Deir-iz-Zor on Sept. 17, "
        "the Russian reaction was to overdramatize a typical friendly-fire incident.",
    )
    russia = "How did Russia react to the bombing of the Syrian Army positions at Deir-iz-Zor?"
    shown = finalize("Russia overdramatized a friendly-fire incident.", [bombed], russia)
    assert shown.outcome == "model" and "overdramatized" in shown.text


def test_a_title_is_not_speech_and_himself_is_not_a_name() -> None:
    # Fresh dev n002: "Secretary of State John Kerry will meet …" read as Kerry speaking
    # ("State"), for "What did John Kerry himself say …?".
    meet = passage(
        1,
        "U.S. Secretary of State John Kerry will meet his Russian counterpart on Friday in "
        "Vienna. The meeting follows a visit to Moscow this week by Bashar al-Assad.",
    )
    reply = "John Kerry will meet his Russian counterpart on Friday in Vienna."
    asked = "What did John Kerry himself say about Assad's trip to Moscow?"
    assert finalize(reply, [meet], asked).outcome != "model"
    said = passage(2, "John Kerry said Assad's trip to Moscow showed how isolated he was.")
    shown = finalize("Kerry said the trip showed how isolated Assad was.", [said], asked)
    assert shown.outcome == "model" and "isolated" in shown.text


def test_a_speakers_country_must_be_named_where_the_quote_is() -> None:
    # Fresh dev n003: France's UN ambassador's words given for Germany's.
    france = passage(
        1,
        "France's UN ambassador Francois Delattre spoke after the council session on Friday "
        "and blasted the government of Bashar al-Assad.",
    )
    reply = "He blasted the government of Bashar al-Assad."
    germany = "What did Germany's UN ambassador say after the council session on Friday?"
    assert finalize(reply, [france], germany).outcome != "model"
    paris = germany.replace("Germany's", "Paris's")  # a capital for its country still counts
    shown = finalize(reply, [france], paris)
    assert shown.outcome == "model" and "blasted" in shown.text
    # A country of two words is named by one of them; a weekday's is not a speaker's owner.
    saudi = passage(2, "Saudi Foreign Minister Adel al-Jubeir said the rebels need missiles.")
    reply = "The rebels need missiles."
    asked = "What did Saudi Arabia's foreign minister say the rebels need?"
    assert finalize(reply, [saudi], asked).outcome == "model"
    asked = "What did the officials who spoke after Tuesday's talks say the rebels need?"
    officials = passage(3, "After Tuesday's talks, officials said the rebels need missiles.")
    assert finalize(reply, [officials], asked).outcome == "model"


def test_a_named_meeting_inside_the_topic_is_an_occasion() -> None:
    # Fresh dev n006: Ban's words at the London donor conference given for the Munich meeting.
    london = passage(
        1,
        "Ban Ki-moon alluded to the Aleppo offensive at a donor conference in London. "
        '"It is deeply disturbing that the talks have been undermined by a sudden increase '
        'of aerial bombings," said Ban.',
    )
    reply = "The talks have been undermined by a sudden increase of aerial bombings."
    munich = "What did Ban Ki-moon say about the aerial bombings at the Munich meeting?"
    assert finalize(reply, [london], munich).outcome != "model"
    at_london = munich.replace("the Munich meeting", "the London conference")
    assert "aerial bombings" in finalize(reply, [london], at_london).text
