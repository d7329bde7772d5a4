"""SentenceMatch with the real embedding model: the closest sentence in meaning, cached."""

import pytest

from index.embeddings import Embedder
from qa.sentence_vectors import SentenceMatch


def test_the_chunk_with_the_sentence_that_means_the_question_scores_higher(embedder: Embedder):
    match = SentenceMatch(embedder)
    question = embedder.embed_query("Which soldiers did the president refuse to send?")
    chunks = [
        "The weather was mild. Markets rose on Friday.",
        "Talks went on late. Mr. Putin has publicly ruled out the deployment of ground troops.",
    ]
    unrelated, meant = match.best(question, chunks)
    assert meant > unrelated
    # A chunk scores as its closest sentence alone would.
    sentence = "Mr. Putin has publicly ruled out the deployment of ground troops."
    assert match.best(question, [sentence])[0] == pytest.approx(meant, abs=1e-5)


def test_sentences_are_embedded_once_and_the_cache_is_bounded(embedder: Embedder):
    calls: list[int] = []

    class Counting(Embedder):
        def encode(self, texts, threads=None, on_batch=None):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return embedder.encode(texts)

    match = SentenceMatch(Counting(), capacity=3)
    vector = embedder.embed_query("ground troops")
    match.best(vector, ["One. Two.", "Three."])
    match.best(vector, ["One. Two."])
    assert calls == [3]  # the second call found both sentences cached
    match.best(vector, ["Four. Five."])
    assert len(match._cache) == 3
    assert calls == [3, 2]
