"""Ingestion into a real embedded Chroma with the real embedding model."""

from __future__ import annotations

import json
import shutil

import pytest

from index.chunking import chunk_article
from index.clean import clean_article
from index.loaders import load_file
from index.pipeline import ingest
from index.store import Store, StoreError
from tests.conftest import SAMPLE


def test_sample_counts_offsets_and_metadata(sample_store):
    store = Store(sample_store)
    stats = store.stats()
    assert stats["documents"] == 5
    assert 30 <= stats["chunks"] <= 80
    texts = {d: store.get_doc_text(d)[0] for d in store.doc_ids()}
    for chunk_id, text, meta in store.iter_chunks():
        assert texts[meta["doc_id"]][meta["start"] : meta["end"]] == text, chunk_id
        assert meta["title"] and meta["source"].endswith(".txt")
    full = "\n".join(texts.values())
    assert "Dear readers" not in full and "This story is over" not in full
    by_title = {m["title"][:20]: m for m in store.get_docs()}
    assert by_title["Why Is Moscow Bombin"]["publisher"] == "The Moscow Times"


def test_reingest_is_idempotent_update_replaces_and_prune_removes(settings, embedder, tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(SAMPLE, folder)
    first = ingest([folder], settings, embedder=embedder)
    assert first.count("added") == 5
    store = Store(settings)
    chunks_before = store.count_chunks()

    again = ingest([folder], settings, embedder=embedder)
    assert (again.count("added"), again.count("unchanged"), again.chunks_written) == (0, 5, 0)
    assert store.count_chunks() == chunks_before

    # A changed file replaces exactly its old chunks.
    target = folder / "003_b5e0c7ee18c80093.txt"
    old_id = clean_article(next(load_file(target))).doc_id
    old_chunks = store.chunk_ids_of(old_id)
    target.write_text(target.read_text() + "\n\nA new closing paragraph was added today.\n")
    changed = ingest([folder], settings, embedder=embedder)
    assert changed.count("replaced") == 1 and changed.count("unchanged") == 4
    assert old_id not in store.doc_ids() and not store.chunk_ids_of(old_id)
    assert store.stats()["documents"] == 5
    new_article = clean_article(next(load_file(target)))
    new_id = new_article.doc_id
    expected = chunk_article(new_article, settings.chunk_words, settings.chunk_overlap_words)
    assert store.chunk_ids_of(new_id) == {c.chunk_id for c in expected}
    assert not store.chunk_ids_of(new_id) & old_chunks  # chunk ids include the doc id
    assert "A new closing paragraph" in store.get_doc_text(new_id)[0]

    # --prune removes articles whose files are gone, and exactly their chunks.
    gone = folder / "000_f88939bbbeb213e0.txt"
    gone_id = clean_article(next(load_file(gone))).doc_id
    n_gone = len(store.chunk_ids_of(gone_id))
    gone.unlink()
    before = store.count_chunks()
    pruned = ingest([], settings, embedder=embedder, prune=True)
    assert pruned.count("removed") == 1
    assert store.stats()["documents"] == 4
    assert store.count_chunks() == before - n_gone


def test_bad_inputs_are_reported_and_the_rest_ingested(settings, embedder, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(SAMPLE / "003_b5e0c7ee18c80093.txt", folder / "good.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00 binary")
    (folder / "latin1.txt").write_bytes("Caf\xe9 story with accents.".encode("latin-1"))
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    (folder / "feed.jsonl").write_text(
        json.dumps({"id": "a1", "title": "Kept article", "body": "Fine body text here. More."})
        + "\n{broken json\n"
        + json.dumps({"id": "a2", "title": "No body"})
        + "\n",
        encoding="utf-8",
    )
    report = ingest([folder, tmp_path / "missing.txt"], settings, embedder=embedder)
    reasons = {r.where.rsplit("/", 1)[-1]: r.detail for r in report.skipped}
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "unsupported file type" in reasons["notes.pdf"]
    assert "not valid JSON" in reasons["feed.jsonl:2"]
    assert "body" in reasons["feed.jsonl:3"]
    assert reasons["missing.txt"] == "no such file or folder"
    assert report.count("added") == 2  # good.txt and the good .jsonl line
    assert Store(settings).stats()["documents"] == 2


def test_html_article_via_trafilatura(settings, embedder, tmp_path):
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Harbour reopens</title><meta name='date' content='2023-10-05'>"
        "</head><body><nav>Home | World</nav><article><h1>Harbour reopens</h1>"
        + "".join(
            f"<p>The harbour in Tartus reopened on Monday after repairs, paragraph {i}. "
            "Officials said ships would return within a week.</p>"
            for i in range(4)
        )
        + "<script>alert('x')</script></article><footer>Subscribe now</footer></body></html>",
        encoding="utf-8",
    )
    report = ingest([page], settings, embedder=embedder)
    assert report.count("added") == 1, report.results
    [doc] = Store(settings).get_docs()
    text, _ = Store(settings).get_doc_text(doc["doc_id"])
    assert "Tartus" in text and "alert(" not in text
    assert doc["published_at"] == "2023-10-05"


def test_killed_ingest_is_completed_without_duplicates(settings, embedder, sample_store):
    """Simulate a kill after chunks were written but before the article was committed."""
    from index.chunking import chunk_article
    from index.pipeline import embed_text

    path = SAMPLE / "002_621a9f7a389d3fa3.txt"
    art = clean_article(next(load_file(path.resolve())))
    chunks = chunk_article(art, settings.chunk_words, settings.chunk_overlap_words)
    store = Store(settings)
    half = chunks[: len(chunks) // 2]
    store.upsert_chunks(half, embedder.encode([embed_text(c) for c in half]))
    assert store.stats()["documents"] == 0  # incomplete article is not visible as a document

    report = ingest([SAMPLE], settings, embedder=embedder)
    assert report.count("added") == 5
    assert report.chunks_written == Store(sample_store).count_chunks() - len(half)
    assert Store(settings).stats() | {"store": ""} == Store(sample_store).stats() | {
        "store": "",
        "collection": "test",
    }


def test_store_built_with_other_settings_is_refused(settings, embedder):
    ingest([SAMPLE / "003_b5e0c7ee18c80093.txt"], settings, embedder=embedder)
    other = settings.model_copy(update={"chunk_words": 200})
    with pytest.raises(StoreError, match="ingest --rebuild"):
        ingest([SAMPLE], other, embedder=embedder)
    rebuilt = ingest([SAMPLE], other, embedder=embedder, rebuild=True)
    assert rebuilt.count("added") == 5
