"""Embeddings from a real HTTP server speaking the OpenAI embeddings API."""

from __future__ import annotations

import numpy as np
import pytest

from index.embeddings import make_embedder
from index.embeddings.http_backend import EmbeddingServerError, HttpEmbedder
from index.pipeline import ingest
from index.settings import Settings
from index.store import Store, StoreError
from qa.retriever import HybridRetriever
from tests.conftest import SAMPLE
from tests.fake_openai import FakeOpenAI

MODEL = "all-MiniLM-L6-v2"


def test_server_vectors_equal_the_in_process_ones(embedder):
    texts = ["Who met Lavrov?", "The central bank raised rates.", "x"]
    with FakeOpenAI(model=MODEL, embedder=embedder, key="k1") as srv:
        settings = Settings(embedding_url=srv.base_url, embedding_api_key="k1", embed_batch_size=2)
        remote = make_embedder(settings)
        assert isinstance(remote, HttpEmbedder) and remote.name == MODEL
        got = np.array(remote.embed_documents(texts))
        assert len(srv.requests) == 2  # batches of 2, reordered by "index" in the answer
    want = np.array(embedder.encode(texts))
    assert got.shape == (3, 384)
    assert np.allclose(got, want, atol=1e-5)


def test_ingest_and_search_through_the_server(embedder, tmp_path):
    with FakeOpenAI(model=MODEL, embedder=embedder) as srv:
        settings = Settings(data_dir=tmp_path / "d", collection="remote",
                            embedding_url=srv.base_url, embed_cache=False)  # fmt: skip
        report = ingest([SAMPLE], settings)
        assert report.count("added") == 5
        n_ingest = len(srv.requests)
        assert n_ingest > 0
        retriever = HybridRetriever(store=Store(settings), embedder=make_embedder(settings), k=3)
        hits = retriever.search("Who did the Russian ambassador meet?")
        assert hits and len(srv.requests) > n_ingest  # the question was embedded by the server
    # The store records the model name: another model is refused, naming both.
    other = Settings(data_dir=tmp_path / "d", collection="remote", embedding_url=srv.base_url,
                     embedding_model="bge-small-en-v1.5")  # fmt: skip
    with pytest.raises(StoreError, match=r"embedding_model=all-MiniLM-L6-v2.*bge-small-en-v1\.5"):
        Store(other).check_layout()


def test_server_errors_are_one_line(embedder):
    with FakeOpenAI(model=MODEL, embedder=embedder, key="right") as srv:
        wrong_key = HttpEmbedder(srv.base_url, MODEL, api_key="wrong")
        with pytest.raises(EmbeddingServerError, match="answered 401"):
            wrong_key.embed_query("hello")
        wrong_model = HttpEmbedder(srv.base_url, "no-such-model", api_key="right")
        with pytest.raises(EmbeddingServerError, match="NEWSDESK_EMBEDDING_MODEL"):
            wrong_model.embed_query("hello")
        url = srv.base_url
    with pytest.raises(EmbeddingServerError, match=r"cannot reach.*NEWSDESK_EMBEDDING_URL") as err:
        HttpEmbedder(url, MODEL).embed_query("hello")
    assert "\n" not in str(err.value)
