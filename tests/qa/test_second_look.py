"""The second look: after a refusal, the model is asked once more to copy the answering words.

Scripted replies go through the real pipeline (store, retriever, finalize); one test asks the
real local model (a dev gold question, g014, whose answer is worded unlike the question).
"""

from __future__ import annotations

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from index.settings import Settings
from qa.answer import Passage
from qa.assistant import Assistant
from qa.drafting import ChatModels, Generator
from qa.policy import AnswerPolicy
from qa.prompts import REFUSAL

WHO = "Who is Russia's ambassador to the US?"


def _replies(*replies: str):
    """A chat-model factory whose model says ``replies`` in turn (and fails on one more call)."""

    def build(name: str) -> GenericFakeChatModel:
        return GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))

    return build


@pytest.fixture(scope="module")
def settings(sample_store):
    return sample_store.model_copy(update={"answerer": "local", "condense": False})


def test_a_refusal_is_looked_at_again_and_a_supported_reply_is_shown(settings, embedder):
    assistant = Assistant(settings, embedder=embedder, chat_models=_replies(REFUSAL, "Kislyak"))
    answer = assistant.ask(WHO)
    assert answer.outcome == "model" and not answer.refused
    assert "Kislyak" in answer.answer and "Kislyak" in answer.citations[0].quote
    assert answer.draft == REFUSAL and answer.second_look == "Kislyak"
    assert "second_look" in answer.timings_ms


def test_an_unsupported_second_reply_keeps_the_refusal(settings, embedder):
    assistant = Assistant(
        settings, embedder=embedder, chat_models=_replies(REFUSAL, "Boris Johnson")
    )
    answer = assistant.ask(WHO)
    assert answer.refused and answer.outcome == "refused:model"
    assert "Johnson" not in answer.answer and answer.second_look == "Boris Johnson"


def test_a_draft_the_verifier_turns_down_is_looked_at_again(settings, embedder):
    # The draft names someone the passages never mention; with the extract fallback off,
    # the verifier refuses, and the second look's supported reply is shown instead.
    policy = AnswerPolicy(fallback_min_support=2.0)
    draft = "Russia's envoy in Washington is Boris Johnson."
    assistant = Assistant(
        settings, embedder=embedder, chat_models=_replies(draft, "Kislyak"), policy=policy
    )
    answer = assistant.ask(WHO)
    assert answer.outcome == "model" and "Kislyak" in answer.answer
    assert answer.draft == draft and answer.second_look == "Kislyak"
    off = AnswerPolicy(fallback_min_support=2.0, second_look_after=("refused:model",))
    assistant = Assistant(settings, embedder=embedder, chat_models=_replies(draft), policy=off)
    refused = assistant.ask(WHO)
    assert refused.outcome == "refused:verifier" and refused.second_look == ""


@pytest.mark.parametrize(
    "question",
    [
        "When did Russia's ambassador to the US speak to journalists?",  # a date: the rescue's
        "Did Russia's ambassador to the US speak to journalists?",  # yes/no
        "Who was Russia's ambassador to the US in 2015?",  # names a year
    ],
)
def test_no_second_look_for_dates_verdicts_or_years(settings, embedder, question):
    # The scripted model has one reply: a second call would raise.
    assistant = Assistant(settings, embedder=embedder, chat_models=_replies(REFUSAL))
    answer = assistant.ask(question)
    assert answer.second_look == "" and "second_look" not in answer.timings_ms
    assert answer.outcome in ("refused:model", "model+fallback")


@pytest.mark.slow
def test_the_real_model_copies_an_answer_worded_unlike_the_question(
    local_model_settings: Settings,
) -> None:
    text = (
        "The Russian military operates drones and aircraft from a Syrian air base that has "
        "been reinforced with armored troop carriers and tanks."
    )
    passage = Passage(rank=1, chunk_id="c", doc_id="d", title="Russia in Syria", source="s",
                      start=0, end=len(text), text=text, score=1.0)  # fmt: skip
    generator = Generator(local_model_settings, ChatModels(local_model_settings))
    tokens: dict[str, int] = {}
    question = "What reinforcements protect the airfield that Moscow's forces use in Syria?"
    reply = generator.second_look("local", question, [passage], tokens)
    assert "armored troop carriers" in reply.lower()
    assert tokens["second_prompt"] + tokens["second_prompt_cached"] > 40
    assert 0 < tokens["second_generated"] < 40
