"""Ingest into a real `chroma run` server through NEWSDESK_CHROMA_URL, then query it."""

from __future__ import annotations

from index.embeddings import Embedder
from index.pipeline import ingest
from index.settings import Settings
from index.store import Store, StoreError
from tests.conftest import SAMPLE, free_port


def test_ingest_and_query_over_http(chroma_server, tmp_path, embedder: Embedder, monkeypatch):
    monkeypatch.setenv("NEWSDESK_CHROMA_URL", chroma_server)
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    settings = Settings(collection="server")
    assert settings.chroma_url == chroma_server

    report = ingest([SAMPLE], settings, embedder=embedder)
    assert report.count("added") == 5
    store = Store(settings)
    assert store.stats()["documents"] == 5 and store.stats()["store"] == chroma_server
    assert not (tmp_path / "data" / "chroma").exists()  # nothing written locally

    hits = store.chunks.query(
        query_embeddings=[
            embedder.embed_query(
                "Russia's ambassador to the US said it would be hard to restart the talks"
            )
        ],
        n_results=3,
        include=["documents", "metadatas"],
    )
    assert any("Kislyak" in doc for doc in hits["documents"][0])

    again = ingest([SAMPLE], settings, embedder=embedder)
    assert again.count("unchanged") == 5 and again.chunks_written == 0


def test_unreachable_server_gives_one_clear_line(tmp_path):
    settings = Settings(chroma_url=f"http://127.0.0.1:{free_port()}", data_dir=tmp_path)
    try:
        Store(settings)
    except StoreError as exc:
        message = str(exc)
    else:  # pragma: no cover - the assertion below reports it
        message = ""
    assert "cannot reach the Chroma server" in message and "\n" not in message
