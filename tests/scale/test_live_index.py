"""LiveIndex: O(1) freshness checks, catch-up by changes, on real stores (embedded, server)."""

from __future__ import annotations

import numpy as np
import pytest

from index import bm25
from index.live import LiveIndex
from index.pipeline import ingest
from index.settings import Settings
from index.store import Store
from tests.conftest import SAMPLE
from tests.ui.conftest import write_article


def _ids_of(index: bm25.BM25Index, doc_id: str) -> set[str]:
    return {c for c, m in zip(index.chunk_ids, index.metas, strict=True) if m["doc_id"] == doc_id}


@pytest.fixture(params=["embedded", "server"])
def settings_(request, tmp_path) -> Settings:
    url = request.getfixturevalue("chroma_server") if request.param == "server" else None
    return Settings(data_dir=tmp_path / "d", collection="live", chroma_url=url, refresh_s=0)


def test_catch_up_reads_only_the_changes(settings_, embedder, tmp_path, monkeypatch):
    ingest([SAMPLE], settings_, embedder=embedder)
    reader = Store(settings_)  # another process's view of the same store
    live = LiveIndex(reader, refresh_s=0)
    first = live.current()
    assert len({m["doc_id"] for m in first.metas}) == 5 and live.is_fresh()

    writer = Store(settings_)
    folder = tmp_path / "new"
    write_article(
        folder, "zebra.txt", "Zebra crossing law", "Quagga zebras now cross roads legally."
    )
    ingest([folder], settings_, store=writer, embedder=embedder)
    assert not live.is_fresh()
    assert live.current() is first  # never waits: the old index serves until the swap

    def no_full_read(*args, **kwargs):
        raise AssertionError("catch-up must not read the whole store")

    monkeypatch.setattr(Store, "iter_chunks", no_full_read)
    monkeypatch.setattr(Store, "doc_ids", no_full_read)
    assert live.catch_up() == 1
    second = live.current()
    assert second is not first and live.is_fresh()
    (new_doc,) = [d for d in writer.get_docs() if d["title"] == "Zebra crossing law"]
    assert _ids_of(second, new_doc["doc_id"]) == writer.chunk_ids_of(new_doc["doc_id"])
    assert second.chunk_ids[int(second.scores("quagga").argmax())] in _ids_of(
        second, new_doc["doc_id"]
    )

    writer.delete_doc(new_doc["doc_id"])
    assert live.catch_up() == 1
    third = live.current()
    assert not _ids_of(third, new_doc["doc_id"]) and not third.scores("quagga").any()
    assert len(third.scores("quagga")) == len(third.chunk_ids)
    assert third.chunk_ids == first.chunk_ids  # the deleted rows are not shown
    assert np.allclose(third.scores("Kislyak"), first.scores("Kislyak"), atol=1e-5)
    assert dict(third.idf) == dict(first.idf)  # document frequencies went back exactly
    assert live.catch_up() == 0


def test_rebuilt_store_starts_over(settings_, embedder):
    ingest([SAMPLE], settings_, embedder=embedder)
    live = LiveIndex(Store(settings_), refresh_s=0)
    assert len(live.current()) > 0
    ingest([SAMPLE / "000_f88939bbbeb213e0.txt"], settings_, embedder=embedder, rebuild=True)
    live.catch_up()  # the reader's collection handles are stale: it reopens and rebuilds
    assert {m["doc_id"] for m in live.current().metas} == set(Store(settings_).doc_ids())
    assert len({m["doc_id"] for m in live.current().metas}) == 1  # a full build: no tombstones


def test_saved_index_is_reused_when_the_log_matches(settings_, embedder, monkeypatch):
    ingest([SAMPLE], settings_, embedder=embedder)
    built = LiveIndex(Store(settings_), refresh_s=0).current()  # builds and saves

    def no_full_read(*args, **kwargs):
        raise AssertionError("a saved index at the same log position must be reused")

    monkeypatch.setattr(Store, "iter_chunks", no_full_read)
    again = LiveIndex(Store(settings_), refresh_s=0)
    index = again.current()
    assert again.is_fresh() and index.chunk_ids == built.chunk_ids
    assert list(index.scores("Kislyak")) == list(built.scores("Kislyak"))


def test_background_refresh(settings_, embedder, tmp_path):
    import time

    ingest([SAMPLE], settings_, embedder=embedder)
    live = LiveIndex(Store(settings_), refresh_s=0.2)
    first = live.current()
    folder = tmp_path / "bg"
    write_article(folder, "okapi.txt", "Okapi census", "Rangers counted okapis in the forest.")
    ingest([folder], settings_, embedder=embedder)
    deadline = time.monotonic() + 10
    while live.current() is first and time.monotonic() < deadline:
        time.sleep(0.05)
    live.close()
    assert live.current() is not first and live.is_fresh()
