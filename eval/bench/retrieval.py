"""Retrieval benchmark: latency at 1k/10k/100k chunks, embedded and server; ONNX quality."""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from eval.bench.common import (
    ROOT,
    BenchConfig,
    ChromaServer,
    Log,
    load_avg,
    sample_store,
    self_peak_rss_mb,
    store_settings,
)
from eval.bench.ingest import corpus_paths
from eval.bench.scaled_store import add_perturbed_copies, copy_subset
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
    src = Store(store_settings(src_dir, collection), create=False)
    n_src = src.count_chunks()
    settings = store_settings(data_dir, collection)
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
        "documents": store.count_docs(),
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
    settings = store_settings(
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
        "peak_rss_mb": self_peak_rss_mb(),
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
        return sample_store(cfg), "sample"
    if cfg.corpus:
        from index.pipeline import ingest

        log("no source store: ingesting the corpus (torch) first")
        paths = corpus_paths(cfg)["multihop"]
        ingest(paths, store_settings(built, "multihop"))
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
                    store_settings(data_dir, "multihop", embedding_backend=backend),
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
