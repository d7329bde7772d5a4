"""The int8 ONNX embedder: same interface and (almost) the same vectors as the torch one."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from index.embeddings import BaseEmbedder, Embedder, make_embedder
from index.embeddings.onnx_backend import ONNX_MODEL_NAME, OnnxEmbedder
from index.pipeline import ingest
from index.settings import Settings
from index.store import Store, StoreError
from tests.conftest import ROOT, SAMPLE


@pytest.fixture(scope="module")
def onnx():
    return OnnxEmbedder(threads=0)


def _sample_sentences() -> list[str]:
    text = (SAMPLE / "000_f88939bbbeb213e0.txt").read_text(encoding="utf-8")
    sentences = [s.strip() for s in text.replace("\n", " ").split(". ") if len(s.split()) > 5]
    return [*sentences[:12], "Who is Russia's ambassador to the US?", "Ceasefire talks in Geneva"]


def test_onnx_vectors_match_torch(onnx, embedder):
    sentences = _sample_sentences()
    a = np.asarray(embedder.encode(sentences))
    b = np.asarray(onnx.encode(sentences))
    assert a.shape == b.shape == (len(sentences), 384)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    cosine = (a * b).sum(axis=1)
    assert cosine.min() >= 0.99, cosine


def test_interface_order_batches_and_long_texts(onnx):
    texts = ["short", "a much longer text " * 200, "medium length text here", "short"]
    progress: list[int] = []
    small = OnnxEmbedder(threads=1, batch_size=2)
    vectors = small.encode(texts, on_batch=progress.append)
    assert progress == [2, 2] and len(vectors) == 4
    assert np.allclose(vectors[0], vectors[3], atol=1e-6)  # order kept across sorted batches
    alone = onnx.embed_query("medium length text here")
    assert np.allclose(alone, vectors[2], atol=1e-4)  # padding does not change a vector
    assert len(onnx.embed_documents(["one", "two"])) == 2
    assert onnx.name == ONNX_MODEL_NAME and isinstance(onnx, BaseEmbedder)
    assert not isinstance(onnx, Embedder)  # a backend of its own, not a torch subclass


def test_factory_and_settings_name_the_backend():
    torch_settings = Settings()
    onnx_settings = Settings(embedding_backend="onnx")
    assert type(make_embedder(torch_settings, threads=0)) is Embedder
    emb = make_embedder(onnx_settings, threads=0)
    assert isinstance(emb, OnnxEmbedder) and emb.threads == 0
    assert onnx_settings.embedding_model == ONNX_MODEL_NAME == emb.name
    assert torch_settings.embedding_model == make_embedder(torch_settings).name
    assert make_embedder(torch_settings).threads == torch_settings.torch_threads


def test_a_store_refuses_the_other_backend(tmp_path, onnx):
    settings = Settings(data_dir=tmp_path, collection="mixed", embedding_backend="onnx")
    report = ingest([SAMPLE / "003_b5e0c7ee18c80093.txt"], settings)  # default: make_embedder
    assert report.count("added") == 1
    assert Store(settings).stats()["embedding_model"] == ONNX_MODEL_NAME
    torch_settings = Settings(data_dir=tmp_path, collection="mixed")
    with pytest.raises(StoreError, match="--rebuild"):
        ingest([SAMPLE / "000_f88939bbbeb213e0.txt"], torch_settings)


def test_the_onnx_backend_never_imports_torch():
    code = (
        "import sys; from index.settings import Settings; from index.embeddings import "
        "make_embedder; e = make_embedder(Settings(embedding_backend='onnx')); "
        "assert len(e.embed_query('hello')) == 384; print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
