"""Sentence splitting and chunking: offsets exact, sentences never cut, sizes in range."""

from __future__ import annotations

from index.chunking import chunk_article
from index.clean import clean_article
from index.documents import Article
from index.loaders import load_file
from index.sentences import split_sentences
from tests.conftest import SAMPLE


def test_abbreviations_do_not_end_sentences():
    text = "Mr. Kerry met Sergei Lavrov in the U.S. on Sept. 21. They spoke. “Yes,” he said."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Mr. Kerry met Sergei Lavrov in the U.S. on Sept. 21.",
        "They spoke.",
        "“Yes,” he said.",
    ]


def test_quotes_and_newlines():
    text = 'He said "stop." Then left.\nNew paragraph without stop'
    assert [text[s:e] for s, e in split_sentences(text)] == [
        'He said "stop."',
        "Then left.",
        "New paragraph without stop",
    ]


def test_sample_chunks_have_exact_offsets_and_whole_sentences():
    for path in sorted(SAMPLE.glob("*.txt")):
        art = clean_article(next(load_file(path)))
        sentences = {art.text[s:e] for s, e in split_sentences(art.text)}
        chunks = chunk_article(art, 120, 30)
        assert chunks and [c.position for c in chunks] == list(range(len(chunks)))
        for c in chunks:
            assert art.text[c.start : c.end] == c.text
            first = art.text[c.start :].split("\n")[0]
            assert any(first.startswith(s) for s in sentences)
            assert c.metadata["doc_id"] == art.doc_id and c.metadata["start"] == c.start
        # Together the chunks cover the whole article.
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        assert all(i in covered for i, ch in enumerate(art.text) if not ch.isspace())
        sizes = [c.words for c in chunks]
        assert max(sizes) <= 180 and sum(sizes) / len(sizes) >= 80


def test_overlap_and_long_sentence():
    long = "Long " + " ".join(["word"] * 50) + "."
    art = Article(doc_id="d", title="T", text=f"Ab cd. {long} Cd ef. Gh ij.", file="f", source="f")
    chunks = chunk_article(art, target_words=10, overlap_words=2)
    assert any(c.text == long for c in chunks)  # never cut, even when over the target
    texts = [c.text for c in chunks]
    assert texts[0] == "Ab cd."


def test_chunk_ids_are_stable_and_content_based():
    path = SAMPLE / "000_f88939bbbeb213e0.txt"
    a = chunk_article(clean_article(next(load_file(path))))
    b = chunk_article(clean_article(next(load_file(path))))
    assert [c.chunk_id for c in a] == [c.chunk_id for c in b]
    assert len({c.chunk_id for c in a}) == len(a)
