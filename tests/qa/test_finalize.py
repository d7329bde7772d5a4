"""finalize(): a model's reply → the shown answer, its outcome, refused or not (table-driven).

Pure: hand-made passages, no model. The scripted-model tests below run the same replies through
the real pipeline (real retriever, embedder and Chroma) with a LangChain fake chat model.
"""

from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from qa.answer import Sources
from qa.assistant import Assistant
from qa.finalize import finalize, wants_second_look
from qa.policy import AnswerPolicy
from tests.qa.passages import passage

PASSAGES = [
    passage(
        1,
        "The talks stalled in Geneva. Russia's envoy spoke to reporters on Monday. "
        '"We will not stop," said Sergey Kislyak, the ambassador.',
    ),
    passage(2, "At least 127 civilians, including 36 children, were killed by airstrikes."),
    passage(3, "Russia has not agreed to a ceasefire in Aleppo."),
    passage(
        4,
        "The deal was to open talks with Fatah al-Haleb, a coalition of rebel groups fighting "
        "the regime forces around Aleppo, a prospect the regime did not relish.",
    ),
    passage(
        5,
        "UN envoy Staffan de Mistura spoke in Geneva. "
        "France's UN ambassador Francois Delattre blasted the regime.",
    ),
    passage(
        6,
        "Bankman-Fried, who has pleaded not guilty to all seven counts, saw his trial open in "
        "Manhattan in October. Prosecutors said Bankman-Fried had secret access to customer money.",
    ),
    passage(
        7,
        "Samantha Power spoke at the council on Tuesday. The session opened late. Delegates "
        "arrived from Vienna. Snow fell overnight. Buses were late. The balance of power in "
        "the north has shifted, Sergei Lavrov said. Dmitry Peskov spoke next. The truce must "
        "hold, he said.",
    ),
]

CASES = [
    # (question, model reply, shown answer contains, outcome)
    ("Who is Russia's ambassador?", "Sergey Kislyak.", "Sergey Kislyak [1].", "model"),
    ("How many children were killed?", "36 children were killed [2].", "36 children", "model"),
    ("How many children were killed?", "[1]", "36 children", "model+fallback"),
    ("How many children were killed?", "", "36 children", "model+fallback"),
    ("How many children were killed?", "50 children were killed.", "36 children", "model+fallback"),
    ("Who won the World Cup?", "The articles don't say.", "", "refused:model"),
    ("What is the capital of France?", "Paris is the capital of France.", "", "refused:verifier"),
    ("Has Russia agreed to a ceasefire in Aleppo?", "No.", "No [1]", "model"),
    # A "Yes" the passage denies is answered "No" (fresh dev y012: "weren't surprised"), but
    # not when the denial is of another place: that is a near miss, and stays refused.
    ("Has Russia agreed to a ceasefire in Aleppo?", "Yes.", "No [1]", "model+turned"),
    ("Has Russia agreed to a ceasefire in Idlib?", "Yes.", "", "refused:verifier"),
    # An unsupported sentence next to a supported one is dropped, never shown.
    (
        "How many children were killed?",
        "36 children were killed. Most of them were in Idlib.",
        "36 children were killed [1].",
        "model",
    ),
    # Near misses: the asked-for side of a contrast swapped, or the person asked about never
    # named in the cited passage; the extract then has the same defect, so it is a refusal.
    ("How many children were injured?", "36 children were killed.", "", "refused:verifier"),
    # A count of something else (dev g183): civilians for the rebel fighters asked about.
    ("How many rebel fighters were killed?", "127 civilians were killed.", "", "refused:verifier"),
    (
        "What did Vladimir Putin say about the talks in Geneva?",
        "The talks stalled in Geneva.",
        "",
        "refused:verifier",
    ),
    # A question about what someone said, answered from a passage that never names them.
    (
        "What did Churkin say about the talks in Geneva?",
        "The talks stalled in Geneva.",
        "",
        "refused:verifier",
    ),
    # What someone said, but about something else: the cited passage is not about the topic
    # asked (dev g173: what Putin said of Assad's visit, for what he said of the convoy strike).
    (
        "What did Sergey Kislyak say about the airstrikes?",
        "Sergey Kislyak said: We will not stop.",
        "",
        "refused:verifier",
    ),
    (
        "What did Sergey Kislyak say about the talks?",
        "Sergey Kislyak said: We will not stop.",
        "We will not stop [1]",
        "model",
    ),
    # What someone said, answered with another speaker's words: the quote and the two
    # sentences before it never name the person asked about (dev h036: Lavrov's words given
    # as Samantha Power's; "balance of power" does not name her).
    (
        "What did Samantha Power say about the north?",
        "Samantha Power said the balance of power in the north has shifted.",
        "",
        "refused:verifier",
    ),
    (
        "What did Sergei Lavrov say about the north?",
        "Lavrov said the balance of power in the north has shifted.",
        "balance of power in the north has shifted [1]",
        "model",
    ),
    # ... a speaker named in the sentence before the quote ("…, he said") is its speaker.
    (
        "What did Dmitry Peskov say about the truce?",
        "Dmitry Peskov said the truce must hold.",
        "the truce must hold [1]",
        "model",
    ),
    # The model refuses a date with the answer in front of it: a strong extract still answers.
    (
        "On which day did Russia's envoy speak to reporters?",
        "The articles don't say.",
        "Monday",
        "model+fallback",
    ),
    # ... but not a number, a name or an open answer: the model's refusal stands.
    ("How many civilians were killed?", "The articles don't say.", "", "refused:model"),
    # A "which coalition" question needs a name: a draft that only describes it falls back.
    (
        "Which rebel coalition around Aleppo was the deal to open talks with?",
        "The deal was to open talks with a coalition of several rebel groups.",
        "Fatah al-Haleb",
        "model+fallback",
    ),
    # A "not" that follows a word of the claim does not negate it ("the regime did not relish").
    (
        "Which rebel coalition was the deal to open talks with?",
        "The deal was to open talks with Fatah al-Haleb, a coalition fighting the regime forces.",
        "Fatah al-Haleb, a coalition",
        "model",
    ),
    # "Who is <role>?" answered with someone else the passages name: the role's holder is
    # given instead ("Russia's ambassador" above names no one next to the role: no conflict).
    ("Who is France's ambassador to the UN?", "Staffan de Mistura.", "Delattre", "model+fallback"),
    ("Who is France's ambassador to the UN?", "Francois Delattre.", "Delattre [1]", "model"),
    # A "not" that bears on other words of the passage ("pleaded not guilty") does not make it
    # contradict the claim (MultiHop-RAG dev: four right "Yes" verdicts had been turned down).
    ("Did the trial open in Manhattan?", "Yes.", "Yes [1]", "model"),
    # News names a person in full once, then by family name: the given name may be absent.
    (
        "Who had secret access to customer money?",
        "It was Sam Bankman-Fried.",
        "Sam Bankman-Fried [1]",
        "model",
    ),
    # ... but not someone else's: the extract that names the right person is shown instead.
    (
        "Who had secret access to customer money?",
        "Caroline Ellison.",
        "Bankman-Fried had secret access",
        "model+fallback",
    ),
    # A draft that restates a question drawn from two passages and adds a name: no one quote
    # holds the restatement, so the name alone is judged and shown (MultiHop-RAG dev: +3).
    (
        "Who blasted the regime after the talks with Russia's envoy stalled in Geneva on Monday?",
        "Francois Delattre blasted the regime after the talks with Russia's envoy stalled in "
        "Geneva on Monday.",
        "Francois Delattre [1]",
        "model",
    ),
    # Markdown or HTML in a reply is not an answer and is never shown.
    ("Who said they will not stop?", "![x](http://evil.test/x.png)", "Kislyak", "model+fallback"),
]


@pytest.mark.parametrize(("question", "reply", "shown", "outcome"), CASES)
def test_finalize_table(question: str, reply: str, shown: str, outcome: str) -> None:
    final = finalize(reply, PASSAGES, question, AnswerPolicy())
    assert final.outcome == outcome
    assert final.refused == outcome.startswith("refused")
    if final.refused:
        assert final.text == "" and final.citations == []
    else:
        assert shown in final.text
        assert all(s.supported for s in final.sentences)  # only supported text is shown
        assert {n for s in final.sentences for n in s.citations} == {c.n for c in final.citations}
        assert "Idlib" not in final.text and "evil" not in final.text


def test_policy_thresholds_change_the_decision() -> None:
    reply, question = "36 children were killed.", "How many children were killed?"
    assert finalize(reply, PASSAGES, question).outcome == "model"
    strict = AnswerPolicy(supported=1.01)  # no draft sentence can reach it: the extract stands
    assert finalize(reply, PASSAGES, question, strict).outcome == "model+fallback"
    stricter = AnswerPolicy(supported=1.01, fallback_min_support=1.01)  # nor can an extract
    assert finalize(reply, PASSAGES, question, stricter).outcome == "refused:verifier"
    refusal, killed = "The articles don't say.", "How many civilians were killed by airstrikes?"
    assert finalize(refusal, PASSAGES, killed).outcome == "refused:model"
    numbers_too = AnswerPolicy(rescue_kinds=("date", "number"))
    assert finalize(refusal, PASSAGES, killed, numbers_too).outcome == "model+fallback"
    no_rescue = AnswerPolicy(rescue_kinds=("date", "number"), rescue_min_support=1.01)
    assert finalize(refusal, PASSAGES, killed, no_rescue).outcome == "refused:model"


def test_a_copied_sentence_next_to_the_one_asked_about_is_not_the_answer() -> None:
    # Dev g099: the model copied the sentence before the one that answers.
    text = (
        "The Security Council is due to discuss the resolution on Monday in New York. "
        "Russian Deputy Foreign Minister Mikhail Bogdanov said his country wants to coordinate "
        "its air campaign with the U.S.-led coalition fighting Islamic State."
    )
    question = "Whom does Mikhail Bogdanov want Russia to coordinate its air campaign with?"
    wrong = "The Security Council is due to discuss the resolution on Monday in New York."
    final = finalize(wrong, [passage(1, text)], question)
    assert (final.outcome, "Monday" in final.text) == ("model+fallback", False)
    assert "U.S.-led coalition" in final.text
    right = "Bogdanov wants to coordinate with the U.S.-led coalition fighting Islamic State."
    assert finalize(right, [passage(1, text)], question).outcome == "model"
    off = AnswerPolicy(copied_unrelated=-1.0)  # the rule off: the copied sentence stands
    assert finalize(wrong, [passage(1, text)], question, off).outcome == "model"


def test_a_number_given_to_the_wrong_noun_is_not_supported() -> None:
    # Dev s066: the model's "36 women" where the passage says 36 children and 34 women.
    text = "At least 127 civilians, including 36 children and 34 women, have been killed."
    question = "How many women have been killed?"
    wrong = finalize("At least 36 women have been killed.", [passage(1, text)], question)
    assert wrong.outcome == "model+fallback" and "36 women" not in wrong.text
    right = finalize("At least 34 women have been killed.", [passage(1, text)], question)
    assert (right.outcome, right.text) == ("model", "At least 34 women have been killed [1].")


def test_a_duration_with_an_article_answers_how_long() -> None:
    # Dev h014: "a year ago" holds no digit and no number word, and the right draft was refused.
    text = "Moscow began its armed involvement in Syria a year ago, with airstrikes on rebels."
    question = "How long ago did Moscow begin its armed involvement in Syria?"
    right = finalize("Moscow began it a year ago.", [passage(1, text)], question)
    assert right.outcome == "model" and "a year ago" in right.text
    assert finalize("Moscow began it with airstrikes.", [passage(1, text)], question).outcome != (
        "model"
    )


def test_a_duration_with_an_article_does_not_answer_how_many_people() -> None:
    # "A day" is a measure of time: it answers "how long", never a count of people.
    text = "People were killed in Aleppo in a day of bombing, witnesses said."
    question = "How many people were killed in Aleppo?"
    draft = "People were killed in a day of bombing."
    assert finalize(draft, [passage(1, text)], question).refused
    how_long = "How long did the bombing of Aleppo last?"
    assert finalize("The bombing lasted a day.", [passage(1, text)], how_long).outcome == "model"


def test_an_exact_date_is_not_a_month_nor_a_resolution_number() -> None:
    # Dev h032: "On what exact date …" was typed an open question, so a second look answered
    # "December"; typed a date, a refusal stands and gets no second look.
    text = "Russia is a signatory to resolution 2254, passed in December, which orders a truce."
    question = "On what exact date was resolution 2254 passed?"
    refused = finalize("The articles don't say.", [passage(1, text)], question)
    assert refused.outcome == "refused:model"
    assert not wants_second_look(refused, question, AnswerPolicy())
    assert finalize("December", [passage(1, text)], question).refused
    dated = passage(2, "The council passed resolution 2254 on Dec. 18, 2015.")
    assert "Dec. 18" in finalize("On Dec. 18, 2015.", [dated], question).text


def test_a_question_in_the_article_is_not_an_extract() -> None:
    asks = passage(1, "Who directed Titanic and Avatar? Q8. The quiz ran on Friday night.")
    said = passage(2, '"What about the rebel groups, are they going to stop too?" said Churkin.')
    assert finalize("", [asks], "Who directed Titanic?").refused
    asked = "Which groups did Churkin ask would stop too?"
    assert "rebel groups" in finalize("", [said], asked).text


def test_names_from_an_earlier_turn_are_not_checked_again() -> None:
    # "What did he say?" rewritten with a name the cited passage does not hold: the user's own
    # words name no one, so the answer stands; asked with the name, it is a near miss.
    question = "What did Boris Johnson say about the talks in Geneva?"
    reply = "The talks stalled in Geneva."
    assert finalize(reply, PASSAGES, question).outcome == "refused:verifier"
    assert finalize(reply, PASSAGES, question, asked="What did he say?").outcome == "model"


def _scripted(reply: str):
    def build(name: str) -> GenericFakeChatModel:
        return GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))

    return build


@pytest.fixture(scope="module")
def settings(sample_store):
    return sample_store.model_copy(update={"answerer": "local", "condense": True})


def test_scripted_reply_through_the_real_pipeline(settings, embedder) -> None:
    assistant = Assistant(settings, embedder=embedder, chat_models=_scripted("Sergey Kislyak"))
    events = list(assistant.stream("Who is Russia's ambassador to the US?"))
    sources, *tokens, answer = events
    assert isinstance(sources, Sources) and tokens and all(isinstance(t, str) for t in tokens)
    assert answer.outcome == "model" and answer.answerer == "local"
    assert answer.answer == "Sergey Kislyak [1]" and "Kislyak" in answer.citations[0].quote
    assert answer.draft == "Sergey Kislyak"


def test_scripted_invented_fact_becomes_a_refusal_or_an_extract(settings, embedder) -> None:
    reply = "The ambassador is Boris Johnson."
    assistant = Assistant(settings, embedder=embedder, chat_models=_scripted(reply))
    answer = assistant.ask("Who is Russia's ambassador to the US?")
    assert "Johnson" not in answer.answer
    assert answer.outcome in ("model+fallback", "refused:verifier")
    assert answer.draft == reply  # the draft is kept for inspection, never shown as the answer


def test_a_follow_up_is_resolved_without_a_model_call(settings, embedder) -> None:
    calls: list[str] = []

    def build(name: str) -> GenericFakeChatModel:
        calls.append(name)
        return GenericFakeChatModel(
            messages=iter([AIMessage(content="That is not going to change.")])
        )

    assistant = Assistant(settings, embedder=embedder, chat_models=build)
    history = [
        {"role": "user", "content": "Who is Russia's ambassador to the US?"},
        {"role": "assistant", "content": "Sergey Kislyak [1]."},
    ]
    answer = assistant.ask("What did he say about terrorists?", history)
    assert answer.standalone_question == "What did Sergey Kislyak say about terrorists?"
    assert calls == ["local"]  # one model built, used once: the draft, no condensing call
    assert "change" in answer.answer and answer.outcome == "model"


def test_a_follow_up_answered_from_its_context_alone_is_not_shown() -> None:
    # condense() gives "Where …?" the earlier question as context; an answer to that earlier
    # question says nothing about where, and must not stand as the model's answer.
    asked = "Where did the talks stall?"
    question = f"{asked} (How many children were killed by airstrikes?)"
    final = finalize("36 children were killed by airstrikes.", PASSAGES, question, asked=asked)
    assert final.outcome != "model"
    assert "36 children" not in final.text
    # The same reply to the question as asked alone is verified as usual.
    alone = finalize("36 children were killed.", PASSAGES, "How many children were killed?")
    assert alone.outcome == "model"
    # Fresh dev m007: "struck" answers "where did it strike?" (an irregular past form).
    bomb = passage(1, "A car bomb struck near a market in Damascus, killing at least ten people.")
    asked = "Where did it strike?"
    question = f"{asked} (Who claimed responsibility for the car bomb in Damascus?)"
    reply = "The car bomb struck near a market in Damascus."
    assert finalize(reply, [bomb], question, asked=asked).outcome == "model"


def test_a_capital_or_an_acronym_counts_as_its_name() -> None:
    # Dev h001: "Moscow's man at the UN urged Damascus …" against a passage that says
    # "Russia's ambassador to the United Nations … Syria …". Real WordNet gives the other names.
    question = (
        "Which Russian daily published the interview in which Moscow's man at the UN urged "
        "Damascus to heed the Kremlin?"
    )
    text = (
        "Meanwhile, Russia's ambassador to the United Nations Vitaly Churkin called on Syrian "
        "President Bashar al-Assad to abandon any idea of a comprehensive military victory in "
        "Syria. If Syria follows the Kremlin's leadership in resolving the five-year war, there's "
        "a chance for a decent outcome, according to a transcript of a Kommersant newspaper "
        "interview with Churkin posted on the mission's website."
    )
    shown = finalize("The Kommersant newspaper.", [passage(1, text)], question)
    assert shown.outcome == "model" and "Kommersant" in shown.text
    # Names that are not other names for these still count as absent: a near miss.
    elsewhere = question.replace("Moscow's", "Beijing's").replace("Damascus", "Tehran")
    elsewhere = elsewhere.replace("UN", "OSCE")
    assert finalize("The Kommersant newspaper.", [passage(1, text)], elsewhere).refused


def test_a_long_name_and_a_people_count_as_their_short_name_and_country() -> None:
    # Fresh dev p005: "According to the United Nations … the Turkish frontier?" was refused
    # against "the UN reported … the border with Turkey" (two names of three "absent").
    question = (
        "According to the United Nations, roughly how many people had gathered at the "
        "Turkish frontier?"
    )
    text = "Already, the UN reported that 20,000 people were massed at the border with Turkey."
    reply = "The UN reported that 20,000 people were massed at the border with Turkey."
    shown = finalize(reply, [passage(1, text)], question)
    assert shown.outcome == "model" and "20,000" in shown.text
    # Said neither way, they are still absent: a near miss.
    elsewhere = text.replace("the UN", "the OSCE").replace("Turkey", "Iraq")
    assert finalize(reply, [passage(1, elsewhere)], question).refused


def test_an_answer_cites_only_its_best_supporting_passage_not_a_weaker_second():
    """Both passages back the sentence, the second less (no "discuss the truce"): only the
    first is cited, though the checks saw both."""
    passages = [
        passage(1, "Talks went on. Kerry met Lavrov in Geneva on Friday to discuss the truce."),
        passage(2, "In Geneva on Friday, Kerry met Lavrov, diplomats said."),
    ]
    draft = "Kerry met Lavrov in Geneva on Friday to discuss the truce."
    final = finalize(draft, passages, "Where did Kerry meet Lavrov on Friday?")
    assert final.outcome == "model"
    assert final.text == "Kerry met Lavrov in Geneva on Friday to discuss the truce [1]."
    assert [c.chunk_id for c in final.citations] == ["c1"]


def test_two_passages_that_back_an_answer_equally_are_both_cited():
    passages = [
        passage(1, "Kerry met Lavrov in Geneva on Friday to discuss the truce."),
        passage(2, "Kerry met Lavrov in Geneva on Friday to discuss the truce, diplomats said."),
    ]
    draft = "Kerry met Lavrov in Geneva on Friday to discuss the truce."
    final = finalize(draft, passages, "Where did Kerry meet Lavrov on Friday?")
    assert [c.chunk_id for c in final.citations] == ["c1", "c2"]
    assert final.text.endswith("[1][2].")
