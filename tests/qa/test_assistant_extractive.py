"""The whole pipeline with the extractive answerer: real embedder, real Chroma, no LLM."""

from __future__ import annotations

import pytest

from index.settings import Settings
from qa.answer import Answer, Sources
from qa.assistant import Assistant, EmptyStoreError, QuestionError
from qa.filters import Filters

KERRY = "003_b5e0c7ee18c80093.txt"


@pytest.fixture(scope="module")
def assistant(sample_store, embedder) -> Assistant:
    return Assistant(sample_store.model_copy(update={"answerer": "extractive"}), embedder=embedder)


def _cites(answer: Answer, name: str) -> bool:
    return any(c.source.endswith(name) for c in answer.citations)


def test_factoid_answer_cites_the_right_article_and_quote(assistant):
    answer = assistant.ask(
        "Who said that Russia's activities in Aleppo make it more difficult to come to the table?"
    )
    assert not answer.refused and _cites(answer, KERRY)
    assert "Kerry said" in answer.answer and "[1]" in answer.answer
    c = answer.citations[0]
    text, _ = assistant.store.get_doc_text(c.doc_id)
    assert text[c.start : c.end] == c.quote and c.quote in c.text
    assert answer.sentences[0].supported and answer.sentences[0].citations == [1]
    assert set(answer.timings_ms) >= {"retrieve", "first_token", "total"}
    assert [p.rank for p in answer.retrieved] == list(range(1, len(answer.retrieved) + 1))


def test_unanswerable_question_is_refused(assistant):
    for question in ("What is the capital of France?", "Who won the 2018 football World Cup?"):
        answer = assistant.ask(question)
        assert answer.refused and answer.citations == [] and "don't say" in answer.answer


def test_stream_yields_sources_then_tokens_then_answer(assistant):
    items = list(assistant.stream("How many civilians were killed by Russian airstrikes?"))
    sources, *tokens, answer = items
    assert isinstance(sources, Sources) and sources.passages
    assert len(sources.highlights) == len(sources.passages)
    assert isinstance(answer, Answer) and all(isinstance(i, str) for i in tokens)
    assert "127" in answer.answer and answer.outcome == "extractive"
    assert [p.chunk_id for p in sources.passages] == [p.chunk_id for p in answer.retrieved]


def test_follow_up_uses_the_conversation(assistant):
    history = [
        {"role": "user", "content": "Who is Sergey Kislyak?"},
        {"role": "assistant", "content": "Russia's ambassador to the US."},
    ]
    answer = assistant.ask("What did he say about terrorists?", history)
    assert answer.standalone_question != answer.question
    assert "Kislyak" in answer.standalone_question
    assert not answer.refused and "terrorists" in answer.answer


def test_explicit_document_filter(assistant):
    kerry_doc = next(d["doc_id"] for d in assistant.store.get_docs() if d["file"].endswith(KERRY))
    hits = assistant.retriever.search("Aleppo", k=5, filters=Filters(doc_ids=[kerry_doc]))
    assert hits and all(h.meta["doc_id"] == kerry_doc for h in hits)


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   \n\t", "empty"), ("x" * 2001, "limit is 2,000"), ("🙂🙂", "no words")],
)
def test_bad_questions_get_one_line_errors(assistant, question, message):
    with pytest.raises(QuestionError, match=message) as err:
        assistant.ask(question)
    assert "\n" not in str(err.value)


def test_odd_but_valid_questions_are_answered_or_refused(assistant):
    for question in (
        "Who is Kerry?\x00\x07",
        "Kerry \ud800 Lavrov Munich?",
        "¿Quién es Kerry?",
        "<script>alert(1)</script> Who is Kislyak?",
    ):
        answer = assistant.ask(question)
        assert isinstance(answer, Answer) and "<script>" not in answer.answer


def test_empty_store_says_to_ingest(tmp_path, embedder):
    empty = Assistant(Settings(data_dir=tmp_path, answerer="extractive"), embedder=embedder)
    with pytest.raises(EmptyStoreError, match="newsdesk ingest"):
        empty.ask("Who is Kerry?")
