"""The embedding cache: hits and misses, keys per model, concurrent writers, the ingest hook."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np

from index.embed_cache import FILENAME, EmbeddingCache, cache_key, encode_cached
from index.pipeline import embed_text, ingest
from index.settings import Settings
from index.store import Store
from tests.conftest import ROOT, SAMPLE


class CountingEmbedder:
    """Wraps an embedder and counts the texts it is asked to encode."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.calls = 0
        self.texts = 0

    def encode(self, texts, threads=None, on_batch=None):
        self.calls += 1
        self.texts += len(texts)
        return self.inner.encode(texts, threads=threads, on_batch=on_batch)


class FakeEmbedder:
    """Deterministic 4-d vectors from the text length; records what it encoded."""

    name = "fake"

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts, threads=None, on_batch=None):
        self.seen.extend(texts)
        if on_batch:
            on_batch(len(texts))
        return [[float(len(t)), 1.0, 0.0, 0.5] for t in texts]


def test_hits_misses_and_model_keys(tmp_path):
    cache = EmbeddingCache(tmp_path / FILENAME)
    fake = FakeEmbedder()
    seen_batches: list[int] = []
    vectors, hits = encode_cached(fake, ["aa", "b", "aa"], cache, on_batch=seen_batches.append)
    assert hits == 0 and fake.seen == ["aa", "b"]  # a repeated text is embedded once
    assert vectors == [[2.0, 1.0, 0.0, 0.5], [1.0, 1.0, 0.0, 0.5], [2.0, 1.0, 0.0, 0.5]]
    assert sum(seen_batches) == 3  # progress counts every text

    vectors2, hits2 = encode_cached(fake, ["b", "ccc", "aa"], cache)
    assert hits2 == 2 and fake.seen == ["aa", "b", "ccc"]  # only the new text
    assert vectors2[0] == vectors[1] and vectors2[2] == vectors[0]
    assert len(cache) == 3

    # Another model never sees these vectors.
    assert cache.get_many("other-model", ["aa"]) == [None]
    assert cache_key("m1", "text") != cache_key("m2", "text")
    # Survives a reopen (it is a file), and is bypassed when disabled.
    cache.close()
    assert EmbeddingCache(tmp_path / FILENAME).get_many("fake", ["ccc"])[0] is not None
    assert EmbeddingCache.for_settings(Settings(data_dir=tmp_path, embed_cache=False)) is None


def test_a_damaged_cache_is_bypassed(tmp_path):
    path = tmp_path / FILENAME
    path.write_bytes(b"this is not a sqlite database" * 100)
    cache = EmbeddingCache(path)
    fake = FakeEmbedder()
    vectors, hits = encode_cached(fake, ["x", "yy"], cache)
    assert hits == 0 and len(vectors) == 2 and fake.seen == ["x", "yy"]


_WRITER = """
import sys
from pathlib import Path
from index.embed_cache import EmbeddingCache
cache = EmbeddingCache(Path(sys.argv[1]))
start = int(sys.argv[2])
for i in range(start, start + 200, 20):
    texts = [f"text {j}" for j in range(i, i + 20)]
    cache.put_many("m", texts, [[float(j), 0.0] for j in range(i, i + 20)])
    cache.get_many("m", texts)
"""


def test_concurrent_processes_share_the_cache(tmp_path):
    path = tmp_path / FILENAME
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(n)], cwd=ROOT)
        for n in (0, 100, 200)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    cache = EmbeddingCache(path)
    assert len(cache) == 400  # overlapping ranges: 0..399, each key once
    got = cache.get_many("m", ["text 0", "text 399"])
    assert got == [[0.0, 0.0], [399.0, 0.0]]


def test_rebuild_and_rechunk_reembed_only_new_texts(settings, embedder, tmp_path):
    """Real model: after --rebuild nothing is re-embedded; re-chunking embeds only new chunks."""
    folder = tmp_path / "articles"
    shutil.copytree(SAMPLE, folder)
    counting = CountingEmbedder(embedder)
    first = ingest([folder], settings, embedder=counting)
    assert first.count("added") == 5 and first.chunks_cached == 0
    assert counting.texts == first.chunks_written
    stored = {cid: meta for cid, _, meta in Store(settings).iter_chunks()}

    counting.calls = counting.texts = 0
    again = ingest([folder], settings, embedder=counting, rebuild=True)
    assert again.count("added") == 5 and again.chunks_written == first.chunks_written
    assert (counting.calls, counting.texts) == (0, 0)  # every vector came from the cache
    assert again.chunks_cached == again.chunks_written

    # The cached vectors are the model's vectors for those texts.
    store = Store(settings)
    some = list(stored)[:3]
    got = store.chunks.get(ids=some, include=["embeddings", "documents", "metadatas"])
    for vec, text, meta in zip(got["embeddings"], got["documents"], got["metadatas"], strict=True):
        from index.documents import Chunk

        chunk = Chunk("x", meta["doc_id"], int(meta["position"]), 0, 0, text, dict(meta))
        fresh = np.asarray(embedder.encode([embed_text(chunk)])[0])
        assert float(np.dot(fresh, vec)) > 0.9999

    # Re-chunking: only chunks whose text changed are embedded.
    rechunked = Settings(data_dir=settings.data_dir, collection="rechunked", chunk_words=100)
    counting.calls = counting.texts = 0
    third = ingest([folder], rechunked, embedder=counting)
    assert third.count("added") == 5
    assert counting.texts == third.chunks_written - third.chunks_cached
    assert counting.texts < third.chunks_written
