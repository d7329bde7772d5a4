"""Retrieval benchmark: latency at 1k/10k/100k chunks, embedded and server; ONNX quality."""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.bench.common import (
    ROOT,
    BenchConfig,
    ChromaServer,
    Log,
    _sample_store,
    _self_peak_rss_mb,
    _store_settings,
    load_avg,
)
from eval.bench.ingest import corpus_paths
from eval.metrics import percentiles

# -- retrieval -----------------------------------------------------------------------------


def _read_queries(cfg: BenchConfig) -> list[dict[str, Any]]:
    """MultiHop-RAG non-null queries (with evidence), or the gold sample questions."""
    if cfg.queries:
        rows = [json.loads(x) for x in cfg.queries.read_text(encoding="utf-8").splitlines() if x]
        return [
            {"question": q["query"] if "query" in q else q["question"],
             "facts": [e["fact"] for e in q.get("evidence", [])]}
            for q in rows
            if q.get("question_type") != "null_query"
        ]  # fmt: skip
    rows = [json.loads(x) for x in cfg.gold.read_text(encoding="utf-8").splitlines() if x]
    return [{"question": q["question"], "facts": []} for q in rows]


def copy_subset(src: Any, dst_settings: Any, target: int) -> int:
    """Copy whole articles (chunks, vectors, records) from ``src`` until ``target`` chunks."""
    from index.store import Store

    dst = Store(dst_settings)
    docs = sorted(src.get_docs(), key=lambda d: d["doc_id"])
    total = 0
    for doc in docs:
        if total >= target:
            break
        got = src.chunks.get(
            where={"doc_id": doc["doc_id"]}, include=["documents", "metadatas", "embeddings"]
        )
        dst.chunks.upsert(
            ids=got["ids"],
            documents=got["documents"],
            metadatas=got["metadatas"],
            embeddings=got["embeddings"],
        )
        rec = src.docs.get(ids=[doc["doc_id"]], include=["documents", "metadatas", "embeddings"])
        dst.docs.upsert(
            ids=rec["ids"],
            documents=rec["documents"],
            metadatas=rec["metadatas"],
            embeddings=rec["embeddings"],
        )
        total += len(got["ids"])
    return total


def _perturb(text: str, vocab: Sequence[str], rng: random.Random, share: float) -> str:
    """Replace about ``share`` of the lowercase words by random corpus words."""

    def swap(m: re.Match[str]) -> str:
        return rng.choice(vocab) if rng.random() < share else m.group(0)

    return re.sub(r"\b[a-z]{4,}\b", swap, text)


def add_perturbed_copies(
    src: Any, dst_settings: Any, target: int, log: Log, noise: float = 0.0168, seed: int = 0
) -> int:
    """Grow the store at ``dst_settings`` to ``target`` chunks with perturbed copies of
    ``src``'s articles: ~15% of words replaced by random corpus words, re-chunked by the
    pipeline's chunker; each chunk's vector is the source chunk's (same position) plus
    Gaussian noise (σ=0.0168 per dimension: cosine ≈ 0.95 to the source), renormalized.
    Nothing is embedded: the copies exist to measure latency at scale, not quality."""
    import numpy as np

    from index.chunking import chunk_article
    from index.documents import Article, content_hash
    from index.store import Store

    dst = Store(dst_settings)
    total = dst.count_chunks()
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    by_doc: dict[str, list[tuple[int, list[float]]]] = {}
    for page in src._pages(src.chunks, include=["metadatas", "embeddings"]):
        for meta, vec in zip(page["metadatas"], page["embeddings"], strict=True):
            by_doc.setdefault(meta["doc_id"], []).append((int(meta["position"]), vec))
    docs: list[tuple[str, str, dict[str, Any]]] = []
    for page in src._pages(src.docs, include=["documents", "metadatas"]):
        docs.extend(zip(page["ids"], page["documents"], page["metadatas"], strict=True))
    docs.sort(key=lambda d: d[0])
    vocab = sorted({w for _, text, _ in docs[:200] for w in re.findall(r"\b[a-z]{4,}\b", text)})
    copy = 0
    batch_chunks: list[Any] = []
    batch_vecs: list[Any] = []
    pending_docs: list[tuple[Any, int, Any]] = []

    def flush() -> None:
        for i in range(0, len(batch_chunks), 2000):
            dst.upsert_chunks(batch_chunks[i : i + 2000], batch_vecs[i : i + 2000])
        for article, n, mean in pending_docs:
            dst.commit_doc(article, n, mean)
        batch_chunks.clear()
        batch_vecs.clear()
        pending_docs.clear()

    while total < target:
        copy += 1
        log(f"  perturbed copy {copy}: {total} chunks so far")
        for doc_id, text, meta in docs:
            if total >= target:
                break
            new_text = _perturb(text, vocab, rng, 0.15)
            suffix = f"#copy{copy}"
            article = Article(
                doc_id=content_hash(doc_id, suffix, new_text),
                title=str(meta.get("title", "")),
                text=new_text,
                file=str(meta.get("file", "")) + suffix,
                source=str(meta.get("source", "")) + suffix,
                publisher=str(meta.get("publisher", "")),
                published_at=str(meta.get("published_at", "")),
                date_confidence=str(meta.get("date_confidence", "")),
                external_id=str(meta.get("external_id", "")) + suffix,
                ingested_at=str(meta.get("ingested_at", "")),
            )
            chunks = chunk_article(
                article, dst_settings.chunk_words, dst_settings.chunk_overlap_words
            )
            source_vecs = [v for _, v in sorted(by_doc.get(doc_id, []), key=lambda x: x[0])]
            if not chunks or not source_vecs:
                continue
            base = np.asarray(
                [source_vecs[min(c.position, len(source_vecs) - 1)] for c in chunks],
                dtype=np.float32,
            )
            vecs = base + nrng.normal(0.0, noise, base.shape).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            mean = vecs.mean(axis=0)
            mean /= np.linalg.norm(mean) or 1.0
            batch_chunks.extend(chunks)
            batch_vecs.extend(vecs.tolist())
            pending_docs.append((article, len(chunks), mean.tolist()))
            total += len(chunks)
            if len(batch_chunks) >= 4000:
                flush()
    flush()
    return total


def build_store(cfg: BenchConfig, source: tuple[Path, str], size: int, log: Log) -> Path:
    """A store of about ``size`` chunks under the work dir (reused when already built)."""
    from index import bm25
    from index.store import Store

    src_dir, collection = source
    data_dir = cfg.work / f"retrieval-{size}"
    stamp = data_dir / "built.json"
    if stamp.is_file():
        return data_dir
    shutil.rmtree(data_dir, ignore_errors=True)
    src = Store(_store_settings(src_dir, collection), create=False)
    n_src = src.count_chunks()
    settings = _store_settings(data_dir, collection)
    t0 = time.perf_counter()
    if size < 0.8 * n_src:
        log(f"building a {size}-chunk store: whole articles copied from {src_dir}")
        n = copy_subset(src, settings, size)
        how = f"first articles of the source store (by doc id), vectors copied: {n} chunks"
    else:
        log(f"building a {size}-chunk store: a copy of {src_dir}")
        shutil.copytree(src_dir / "chroma", data_dir / "chroma")
        n = n_src
        how = f"the source store copied ({n} chunks)"
        if size > 1.2 * n_src:
            n = add_perturbed_copies(src, settings, size, log, seed=cfg.seed)
            how += f", then perturbed copies with noisy source vectors up to {n} chunks"
    build_s = time.perf_counter() - t0
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    store = Store(settings, create=False)
    t0 = time.perf_counter()
    bm25.load_or_build(store)
    bm25_s = time.perf_counter() - t0
    info = {
        "chunks": store.count_chunks(),
        "documents": int(store.docs.count()),
        "how": how,
        "build_s": round(build_s, 1),
        "bm25_build_s": round(bm25_s, 1),
    }
    stamp.write_text(json.dumps(info), encoding="utf-8")
    return data_dir


def _run_worker(args: list[str], log_path: Path) -> dict[str, Any]:
    """Run ``python -m eval.bench --worker ...`` in a fresh process; returns its JSON."""
    with open(log_path, "ab") as err:
        proc = subprocess.run(
            [sys.executable, "-m", "eval.bench", *args],
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=ROOT,
            check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"worker {args[:2]} failed (exit {proc.returncode}); see {log_path}")
    return dict(json.loads(proc.stdout.decode().strip().splitlines()[-1]))


def retrieval_worker(args: argparse.Namespace) -> dict[str, Any]:
    """In a fresh process: open the store, warm up, time ``search`` on each question."""
    import numpy as np

    from eval.metrics import chunk_hits_at_k
    from index import bm25
    from index.embeddings import make_embedder
    from index.store import Store
    from qa.retriever import HybridRetriever

    t_start = time.perf_counter()
    settings = _store_settings(
        Path(args.data_dir),
        args.collection,
        chroma_url=args.chroma_url,
        embedding_backend=args.backend,
    )
    store = Store(settings, create=False)
    embedder = make_embedder(settings, threads=1)
    retriever = HybridRetriever(store=store, embedder=embedder, k=10)
    t0 = time.perf_counter()
    retriever.index()
    index_load_s = time.perf_counter() - t0
    embedder.warm_up()
    questions = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    retriever.search(questions[0]["question"])
    ready_s = time.perf_counter() - t_start
    lat, cpu_ms, embed_ms, bm25_ms, hits = [], [], [], [], []
    for q in questions:
        t0, c0 = time.perf_counter(), time.process_time()
        found = retriever.search(q["question"], k=10)
        lat.append((time.perf_counter() - t0) * 1000)
        cpu_ms.append((time.process_time() - c0) * 1000)
        if q["facts"]:
            hits.append(chunk_hits_at_k([h.text for h in found], q["facts"], 10))
    index = retriever.index()
    for q in questions[:50]:  # where the time goes: the question's embedding and BM25 scores
        t0 = time.perf_counter()
        embedder.embed_query(q["question"])
        embed_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        index.scores(q["question"])
        bm25_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "chunks": len(index),
        "backend": args.backend,
        "mode": "server" if args.chroma_url else "embedded",
        "latency_ms": percentiles(lat, digits=2, empty=None),
        # CPU time of this process per search (all threads)
        "cpu_ms": percentiles(cpu_ms, digits=2, empty=None),
        "embed_query_ms": percentiles(embed_ms, digits=2, empty=None),
        "bm25_scores_ms": percentiles(bm25_ms, digits=2, empty=None),
        "hits_at_10": round(float(np.mean(hits)), 4) if hits else None,
        "index_load_s": round(index_load_s, 2),
        "ready_s": round(ready_s, 2),
        "peak_rss_mb": _self_peak_rss_mb(),
        "bm25_tokenizer": bm25.TOKENIZER_VERSION,
        "load": load_avg(),
    }


def _worker_args(data_dir: Path, collection: str, questions: Path, backend: str) -> list[str]:
    return [
        "--worker", "retrieval", "--data-dir", str(data_dir), "--collection", collection,
        "--questions", str(questions), "--backend", backend,
    ]  # fmt: skip


def _source_store(cfg: BenchConfig, log: Log) -> tuple[Path, str] | None:
    if cfg.source:
        data_dir, _, collection = cfg.source.rpartition(":")
        return Path(data_dir), collection
    built = cfg.work / "ingest-multihop-torch"
    if (built / "chroma").is_dir():
        return built, "multihop"
    if not cfg.corpus:  # no corpus: the bundled sample articles
        return _sample_store(cfg), "sample"
    if cfg.corpus:
        from index.pipeline import ingest

        log("no source store: ingesting the corpus (torch) first")
        paths = corpus_paths(cfg)["multihop"]
        ingest(paths, _store_settings(built, "multihop"))
        return built, "multihop"
    return None


def bench_retrieval(cfg: BenchConfig, log: Log) -> dict[str, Any]:
    """Search latency (embedded and server) at each size, and Hits@10 torch vs onnx."""
    source = _source_store(cfg, log)
    if source is None:  # pragma: no cover - _source_store always finds one
        raise SystemExit("retrieval needs --corpus or --source")
    queries = _read_queries(cfg)
    rng = random.Random(cfg.seed)
    sample = rng.sample(queries, min(cfg.n_queries, len(queries)))
    qfile = cfg.work / "retrieval-questions.json"
    qfile.write_text(json.dumps(sample), encoding="utf-8")
    logs = cfg.work / "logs"
    logs.mkdir(exist_ok=True)
    results: dict[str, Any] = {"source": f"{source[0]}:{source[1]}", "sizes": {}}
    for size in cfg.sizes:
        data_dir = build_store(cfg, source, size, log)
        info = json.loads((data_dir / "built.json").read_text(encoding="utf-8"))
        row: dict[str, Any] = {"store": info}
        args = _worker_args(data_dir, source[1], qfile, "torch")
        row["embedded"] = _run_worker(args, logs / "retrieval.log")
        log(f"retrieval {info['chunks']} chunks, embedded: {row['embedded']['latency_ms']}")
        if cfg.servers:
            with ChromaServer(data_dir / "chroma", logs / f"chroma-{size}.log") as server:
                row["server"] = _run_worker(
                    [*args, "--chroma-url", server.url], logs / "retrieval.log"
                )
                row["server"]["chroma_server_peak_rss_mb"] = server.peak_rss_mb()
            log(f"retrieval {info['chunks']} chunks, server: {row['server']['latency_ms']}")
        results["sizes"][str(size)] = row

    # Quality cost of the int8 ONNX backend: each store built and queried with its backend.
    if cfg.queries and cfg.corpus:
        from index.pipeline import ingest

        qq = queries if not cfg.quality_queries else rng.sample(queries, cfg.quality_queries)
        qfile_all = cfg.work / "quality-questions.json"
        qfile_all.write_text(json.dumps(qq), encoding="utf-8")
        quality: dict[str, Any] = {"queries": len(qq)}
        for backend in ("torch", "onnx"):
            data_dir = cfg.work / f"ingest-multihop-{backend}"
            if not (data_dir / "chroma").is_dir():
                log(f"ingesting the corpus with the {backend} backend for the quality check")
                ingest(
                    corpus_paths(cfg)["multihop"],
                    _store_settings(data_dir, "multihop", embedding_backend=backend),
                )
            quality[backend] = _run_worker(
                _worker_args(data_dir, "multihop", qfile_all, backend), logs / "retrieval.log"
            )
            log(f"quality {backend}: Hits@10 {quality[backend]['hits_at_10']}")
        quality["hits_at_10_delta_onnx_minus_torch"] = round(
            quality["onnx"]["hits_at_10"] - quality["torch"]["hits_at_10"], 4
        )
        results["quality"] = quality
    return results
