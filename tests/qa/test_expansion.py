"""WordNet query expansion: real WordNet, real sample store, real embedding model."""

from dataclasses import replace

import pytest

from index.embeddings import Embedder
from index.settings import Settings
from index.store import Store
from qa.assistant import Assistant
from qa.expansion import expansion_terms, other_names
from qa.retriever import HybridRetriever, RetrievalConfig

# Dev record g004: the article says "a durable cease-fire would require ..."
PARAPHRASED = "What did the Syrian leader say a lasting truce would need first of all?"
ANSWER = "preventing terrorists from strengthening"


def test_synonyms_are_kept_only_when_the_collection_uses_them():
    vocabulary = {"durabl", "ceas", "fire", "requir", "armistic"}
    terms = expansion_terms("a lasting truce would need", vocabulary)
    assert set(terms) == vocabulary  # lasting→durable, truce→cease-fire/armistice, need→require
    assert expansion_terms("a lasting truce", {"zakharova"}) == []


def test_words_already_asked_are_not_added_again():
    terms = expansion_terms("a truce and a cease-fire", {"ceas", "fire", "armistic"})
    assert terms == ["armistic"]


def test_a_word_wordnet_does_not_know_adds_nothing():
    assert expansion_terms("Zakharova Churkin xyzzy", {"zakharova", "churkin"}) == []


@pytest.fixture(scope="module")
def retriever(sample_store, embedder: Embedder) -> HybridRetriever:
    return HybridRetriever(store=Store(sample_store), embedder=embedder, k=10)


def _rank(retriever: HybridRetriever, weight: float) -> int:
    retriever.config = replace(RetrievalConfig(), synonym_weight=weight)
    hits = retriever.search(PARAPHRASED, k=10)
    return next((i for i, h in enumerate(hits, 1) if ANSWER in h.text), 99)


def test_synonyms_lift_the_passage_that_says_it_in_other_words(retriever):
    without, with_synonyms = _rank(retriever, 0.0), _rank(retriever, 0.3)
    assert with_synonyms <= 3 < without


def test_the_setting_reaches_the_retriever(sample_store, embedder: Embedder):
    assert Settings().synonym_weight == RetrievalConfig().synonym_weight  # one default
    off = Assistant(sample_store.model_copy(update={"synonym_weight": 0.0}), embedder=embedder)
    assert not any(ANSWER in h.text for h in off.retriever.search(PARAPHRASED))
    on = Assistant(sample_store, embedder=embedder)
    assert any(ANSWER in h.text for h in on.retriever.search(PARAPHRASED))  # default top 3


def test_other_names_of_capitals_and_acronyms() -> None:
    assert {"Russia", "Russian Federation"} <= set(other_names("Moscow"))
    assert "United Nations" in other_names("UN")
    assert other_names("Churkin") == () and other_names("truce") == ()


def test_other_names_of_places_reach_their_country_and_its_cities() -> None:
    assert {"Russia", "Russian Federation"} <= set(other_names("Moscow's"))  # possessive
    assert {"U.S.", "United States"} <= set(other_names("Washington"))  # via D.C.
    assert {"Moscow", "Russia"} <= set(other_names("Kremlin"))
    assert "Switzerland" in other_names("Geneva") and "Geneva" in other_names("Switzerland")
    assert "Aleppo" in other_names("Syria")
    assert "Euphrates" not in other_names("Syria")  # a river is not where news is made
    assert other_names("Europe") == ()  # in no country: its holders are not other names


def test_other_names_of_peoples_and_names_of_several_words() -> None:
    # Fresh dev p005: "the Turkish frontier" and "the United Nations" against "the UN … Turkey".
    assert other_names("Turkish") == ("Turkey",)
    assert {"America", "U.S."} <= set(other_names("American"))
    assert "UN" in other_names("United Nations")
    assert other_names("Churkin's") == ()
