"""HybridRetriever over the real sample store: filters restrict, ranking finds the article."""

from typing import Any

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import Field

import qa.prompts
from index.embeddings import Embedder
from index.settings import Settings
from index.store import Store
from qa.assistant import Assistant
from qa.filters import Filters
from qa.passages import to_passages
from qa.prompts import REFUSAL
from qa.retriever import HybridRetriever, RetrievalConfig


@pytest.fixture(scope="module")
def retriever(sample_store, embedder: Embedder) -> HybridRetriever:
    return HybridRetriever(store=Store(sample_store), embedder=embedder, k=5)


def test_finds_the_article_that_answers(retriever):
    hits = retriever.search("Who is Russia's ambassador to the UN?")
    assert "Churkin" in hits[0].text


def test_doc_filter_keeps_only_that_article(retriever):
    doc = next(h.meta["doc_id"] for h in retriever.search("sanctions", k=10))
    hits = retriever.search("sanctions", k=10, filters=Filters(doc_ids=[doc]))
    assert hits and {h.meta["doc_id"] for h in hits} == {doc}


def test_publisher_filter_keeps_only_that_publisher(retriever):
    publishers = {h.meta.get("publisher", "") for h in retriever.search("Russia", k=20)}
    named = sorted(p for p in publishers if p)
    assert named, "the sample has a detected publisher"
    hits = retriever.search("Russia", k=20, filters=Filters(publishers=[[named[0]]]))
    assert hits and {h.meta["publisher"] for h in hits} == {named[0]}


def test_a_filter_that_matches_nothing_is_dropped(retriever):
    """Nothing from a named source: answer from everything rather than from nothing."""
    unfiltered = [h.chunk_id for h in retriever.search("Russia")]
    hits = retriever.search("Russia", filters=Filters(publishers=[["No Such Paper"]]))
    assert [h.chunk_id for h in hits] == unfiltered


# Paraphrased questions from the gold dev split (g013, h013): no sentence shares enough of
# their words, so the closest sentence in meaning decides the order (qa/sentence_vectors.py).
PARAPHRASED = [
    ("What has the Russian president publicly excluded sending?", "ground troops"),
    (
        "Who had prepared and supplied some of the mainstream insurgent groups bearing the "
        "brunt of Moscow's raids?",
        "trained and equipped by Washington",
    ),
]


@pytest.mark.parametrize(("question", "answer"), PARAPHRASED)
def test_a_paraphrased_question_ranks_the_sentence_it_means_first(
    sample_store, embedder: Embedder, question: str, answer: str
):
    by_meaning = HybridRetriever(
        store=Store(sample_store), embedder=embedder, k=3, config=RetrievalConfig(meaning_weight=2)
    )
    by_words = HybridRetriever(store=Store(sample_store), embedder=embedder, k=3)
    assert answer not in by_words.search(question)[0].text  # words alone rank it lower
    top = by_meaning.search(question)[0]
    assert answer in top.text
    assert top.ranks["sentence_meaning"] > 0


def test_a_question_matched_on_words_is_not_reordered_by_meaning(sample_store, embedder: Embedder):
    on = HybridRetriever(
        store=Store(sample_store), embedder=embedder, config=RetrievalConfig(meaning_weight=2)
    )
    hits = on.search("Who is Russia's ambassador to the UN?")
    assert all("sentence_meaning" not in h.ranks for h in hits)


def test_a_long_question_is_not_reordered_by_meaning(sample_store, embedder: Embedder):
    """Over ``meaning_max_words`` words a question asks about several facts: words decide."""
    question = PARAPHRASED[0][0]
    short = RetrievalConfig(meaning_weight=2, meaning_max_words=len(question.split()) - 1)
    hits = HybridRetriever(store=Store(sample_store), embedder=embedder, config=short).search(
        question
    )
    assert all("sentence_meaning" not in h.ranks for h in hits)


class _Recording(GenericFakeChatModel):
    """A scripted chat model that keeps the prompts it was given."""

    prompts: list[str] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.prompts.append("\n".join(str(m.content) for m in messages))
        return super()._generate(messages, *args, **kwargs)


def _first_prompt(settings: Settings, embedder: Embedder, question: str) -> str:
    model = _Recording(messages=iter([AIMessage(content=REFUSAL)] * 3))
    Assistant(settings, embedder=embedder, chat_models=lambda name: model).ask(question)
    return model.prompts[0]


def test_a_paraphrased_question_gets_more_of_each_passage_in_the_prompt(
    sample_store, embedder: Embedder
):
    """g013 (dev): its answer sits past the sentences that share its words; with the wider
    budget for questions the retriever matched by meaning, the prompt reaches it."""
    question, answer = PARAPHRASED[0]
    on = sample_store.model_copy(update={"meaning_weight": 2.0, "condense": False})
    hits = HybridRetriever(
        store=Store(on), embedder=embedder, k=3, config=RetrievalConfig(meaning_weight=2)
    ).search(question, k=3)
    assert all(p.by_meaning is not None for p in to_passages(hits, Store(on)))
    narrow = on.model_copy(update={"paraphrase_passage_words": on.prompt_passage_words})
    assert answer not in _first_prompt(narrow, embedder, question)
    assert answer in _first_prompt(on.model_copy(update={"paraphrase_passage_words": 90}),
                                   embedder, question)  # fmt: skip
    # A question matched on words keeps the usual budget: the same prompt either way.
    plain = "Who is Russia's ambassador to the UN?"
    wide = on.model_copy(update={"paraphrase_passage_words": 400})
    assert _first_prompt(on, embedder, plain) == _first_prompt(wide, embedder, plain)


# Neighbouring-sentence questions written in session 25 (dev k021, k025): the sentence that
# shares the question's words describes the thing; the answer is in the sentence after it.
NEIGHBOURING = [
    (
        "Russia began airstrikes in support of Assad's forces in late September, frustrating "
        "Washington and its allies; what did that intervention help Assad avoid?",
        "outright defeat",
    ),
    (
        "De Mistura had planned merely to facilitate 'proximity' talks, with staff ushering "
        "notes from one room to another; what was he forced to announce when even that never "
        "happened?",
        "temporary pause",
    ),
]


@pytest.mark.parametrize(("question", "answer"), NEIGHBOURING)
def test_the_prompt_reaches_the_sentence_after_the_one_the_question_describes(
    sample_store, embedder: Embedder, monkeypatch: pytest.MonkeyPatch, question: str, answer: str
):
    settings = sample_store.model_copy(update={"condense": False})
    assert answer in _first_prompt(settings, embedder, question)
    monkeypatch.setattr(qa.prompts, "NEXT_SENTENCE_SUPPORT", 2.0)  # never keep it next
    assert answer not in _first_prompt(settings, embedder, question)
