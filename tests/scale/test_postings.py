"""The incremental BM25 scores exactly as bm25s does on the same corpus, after adds and deletes."""

from __future__ import annotations

import bm25s
import numpy as np

from index import bm25
from index.postings import IdfView, Postings
from index.sentences import split_sentences
from tests.conftest import SAMPLE

QUERIES = [
    "Who is Russia's ambassador to the US?",
    "Syria air offensive talks",
    "ambassador ambassador",
]


def _sentences() -> list[list[str]]:
    out = []
    for path in sorted(SAMPLE.iterdir()):
        text = path.read_text(encoding="utf-8")
        out += [bm25.tokenize(text[s:e]) or ["∅"] for s, e in split_sentences(text)]
    return out


def _bm25s_scores(corpus: list[list[str]], query: str) -> np.ndarray:
    model = bm25s.BM25(k1=1.2, b=0.75)
    model.index(corpus, show_progress=False)
    tokens = [t for t in bm25.tokenize(query) if t in model.vocab_dict]
    return (
        np.asarray(model.get_scores(tokens), dtype=np.float32) if tokens else np.zeros(len(corpus))
    )


def test_equal_to_bm25s_after_adds_and_deletes() -> None:
    docs = _sentences()
    assert len(docs) > 50
    postings = Postings()
    postings.add(docs[:30])
    before = postings.snapshot()
    postings.add(docs[30:])
    for q in QUERIES:
        got = postings.snapshot().scores(bm25.tokenize(q))
        assert np.allclose(got, _bm25s_scores(docs, q), atol=1e-4), q
        # a snapshot taken earlier still scores only its own rows, with its own statistics
        assert np.allclose(before.scores(bm25.tokenize(q)), _bm25s_scores(docs[:30], q), atol=1e-4)

    gone = list(range(10, 40))
    postings.remove(gone, [postings.encode(docs[i]) for i in gone])
    kept = [d for i, d in enumerate(docs) if i not in gone]
    snap = postings.snapshot()
    for q in QUERIES:
        got = snap.scores(bm25.tokenize(q))
        assert not got[gone].any()
        live = np.delete(got, gone)
        assert np.allclose(live, _bm25s_scores(kept, q), atol=1e-4), q
    compact = postings.empty_copy()
    compact.add_ids([postings.encode(d) for d in kept])
    for q in QUERIES:
        assert np.allclose(compact.snapshot().scores(bm25.tokenize(q)), _bm25s_scores(kept, q),
                           atol=1e-4)  # fmt: skip
    idf = IdfView(snap)
    assert "ambassador" not in idf or idf["ambassador"] > 0
    assert len(idf) == len({t for d in kept for t in d})
