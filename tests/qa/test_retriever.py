"""HybridRetriever over the real sample store: filters restrict, ranking finds the article."""

import pytest

from index.embeddings import Embedder
from index.store import Store
from qa.filters import Filters
from qa.retriever import HybridRetriever


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
