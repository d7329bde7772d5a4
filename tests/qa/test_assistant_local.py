"""The answer path with the real bundled generator (llama.cpp): the model's own answer is shown.

A pipeline that silently always fell back to extracts, or always refused, would fail here.
"""

from __future__ import annotations

import pytest

from qa.answer import Answer, Sources

pytest.importorskip("llama_cpp", reason="the local generator (llama-cpp-python) is not installed")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(local_model_settings, sample_store, embedder):
    from index.store import Store
    from qa.assistant import Assistant

    settings = local_model_settings.model_copy(
        update={"answerer": "local", "collection": sample_store.collection}
    )
    return Assistant(settings, store=Store(sample_store), embedder=embedder)


def test_the_models_answer_is_verified_and_shown(assistant):
    events = list(assistant.stream("Which Russian Foreign Ministry spokeswoman described the "
                                   "consultations in Geneva?"))  # fmt: skip
    sources, *tokens, answer = events
    assert isinstance(sources, Sources) and isinstance(answer, Answer)
    assert tokens, "no draft tokens streamed"
    assert answer.outcome == "model" and answer.answerer == "local"
    assert "Zakharova" in answer.answer and "Zakharova" in answer.draft
    assert any("Zakharova" in c.quote for c in answer.citations)
    assert all(s.supported for s in answer.sentences)
    # llama.cpp's own counters: the prompt was evaluated, and something was generated
    assert answer.model_tokens["prompt"] > 50 and answer.model_tokens["generated"] >= 2


def test_the_fixed_prompt_prefix_is_reused_from_the_kv_cache(assistant):
    assistant.ask("How many children have been killed by Russian airstrikes?")
    answer = assistant.ask("Who is Russia's ambassador to the US?")
    assert answer.model_tokens["prompt_cached"] >= 40  # the system prompt, not evaluated again


def test_a_follow_up_costs_no_condensing_call(assistant):
    history = [
        {"role": "user", "content": "Who is Russia's ambassador to the US?"},
        {"role": "assistant", "content": "Sergey Kislyak [1]."},
    ]
    answer = assistant.ask("What did he say about terrorists?", history)
    assert answer.standalone_question == "What did Sergey Kislyak say about terrorists?"
    assert "condense_prompt" not in answer.model_tokens
    assert not answer.refused and "Kislyak" in answer.answer
    assert any("Kislyak" in c.quote or "Kislyak" in c.text for c in answer.citations)


def test_a_detail_the_passages_never_give_is_refused(assistant):
    # A near miss (dev k041): the convoy and Aleppo are in the passages, its trucks are not.
    answer = assistant.ask("How many trucks were in the UN humanitarian convoy that was hit "
                           "near Aleppo?")  # fmt: skip
    assert answer.refused and answer.citations == []


def test_an_unanswerable_question_is_refused(assistant):
    answer = assistant.ask("What is the capital of Saudi Arabia?")
    assert answer.refused and answer.outcome.startswith("refused:") and answer.citations == []
