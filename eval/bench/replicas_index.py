"""Benchmark part: cost of a freshness check and of catching up, at a given store size.

A synthetic store of ``size`` chunks (10 per article; texts are sample-article sentences with
random extra words, vectors random unit vectors: the index work depends on counts, not on
meaning) is built once with an embedded client, then served by a real ``chroma run``; a
reader's :class:`~index.live.LiveIndex` is timed through the server.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench.common import SAMPLE_DIR, ChromaServer, Log
from eval.metrics import percentiles

COLLECTION = "replicas"
PER_ARTICLE = 10


def _sentences() -> list[str]:
    from index.sentences import split_sentences

    out = []
    for path in sorted(SAMPLE_DIR.iterdir()):
        text = path.read_text(encoding="utf-8")
        out += [text[s:e] for s, e in split_sentences(text)]
    return out


def add_articles(store: Any, first: int, n: int, rng: random.Random) -> list[str]:
    """Write ``n`` synthetic articles (chunks, then record, then log) the way ingest does."""
    sentences = _sentences()
    doc_ids = [f"syn{first + i:07d}" for i in range(n)]
    ids, texts, metas = [], [], []
    for doc_id in doc_ids:
        for pos in range(PER_ARTICLE):
            words = " ".join(f"w{rng.randrange(50000)}" for _ in range(12))
            ids.append(f"{doc_id}-{pos}")
            texts.append(" ".join(rng.sample(sentences, 3)) + " " + words)
            metas.append({"doc_id": doc_id, "title": f"Article {doc_id}", "publisher": "Bench",
                          "published_at": "2024-01-01", "position": pos})  # fmt: skip
    vectors = np.random.default_rng(first).normal(size=(len(ids), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for i in range(0, len(ids), 2000):
        store.chunks.upsert(ids=ids[i : i + 2000], documents=texts[i : i + 2000],
                            metadatas=metas[i : i + 2000],
                            embeddings=vectors[i : i + 2000].tolist())  # fmt: skip
    for i in range(0, n, 2000):
        part = doc_ids[i : i + 2000]
        store.docs.upsert(ids=part, metadatas=[{"title": f"Article {d}", "chunks": PER_ARTICLE}
                                               for d in part],
                          embeddings=vectors[: len(part)].tolist())  # fmt: skip
        store.log_changes("add", part)
    return doc_ids


def build(work: Path, size: int, log: Log) -> Path:
    """An embedded store of ``size`` chunks under ``work`` (reused when already built)."""
    from chromadb.api.client import SharedSystemClient

    from index.settings import Settings
    from index.store import Store

    data = work / f"replicas-{size}"
    if (data / "built").is_file():
        return data
    log(f"building a {size}-chunk synthetic store in {data}")
    store = Store(Settings(data_dir=data, collection=COLLECTION))
    store.reset()
    add_articles(store, 0, size // PER_ARTICLE, random.Random(size))
    del store
    SharedSystemClient.clear_system_cache()
    (data / "built").write_text("ok")
    return data


def measure(work: Path, size: int, log: Log, n_checks: int = 200) -> dict[str, Any]:
    """Full build, check, catch-up after 100 new and after 100 deleted articles, query cost."""
    from index.live import LiveIndex
    from index.settings import Settings
    from index.store import Store

    data = build(work, size, log)
    with ChromaServer(data / "chroma", work / f"chroma-{size}.log") as server:
        settings = Settings(data_dir=data, collection=COLLECTION, chroma_url=server.url)
        reader = Store(settings)
        live = LiveIndex(reader, refresh_s=0)
        t0 = time.perf_counter()
        first = live.current()
        full_s = time.perf_counter() - t0
        checks = []
        for _ in range(n_checks):
            t0 = time.perf_counter()
            assert live.is_fresh()
            checks.append((time.perf_counter() - t0) * 1000)
        writer = Store(settings)
        n_docs = writer.count_docs()
        new = add_articles(writer, 10_000_000 + n_docs, 100, random.Random(1))
        t0 = time.perf_counter()
        applied = live.catch_up()
        add_s = time.perf_counter() - t0
        grown = live.current()
        for d in new:
            writer.delete_doc(d)
        t0 = time.perf_counter()
        live.catch_up()
        del_s = time.perf_counter() - t0
        queries = []
        for q in ["Who is Russia's ambassador to the US?", "Syria air offensive talks w123"]:
            for _ in range(20):
                t0 = time.perf_counter()
                live.current().scores(q)
                queries.append((time.perf_counter() - t0) * 1000)
        result = {
            "chunks": size,
            "full_build_s": round(full_s, 2),
            "check_ms": percentiles(checks, digits=3, empty=None),
            "catch_up_100_added_s": round(add_s, 3),
            "catch_up_100_deleted_s": round(del_s, 3),
            "log_records_read": applied,
            "rows_added": len(grown) - len(first),
            "bm25_query_ms": percentiles(queries, digits=2, empty=None),
        }
        log(f"{size} chunks: {result}")
        return result
