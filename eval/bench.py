"""Performance benchmarks: ingest, retrieval at 1k/10k/100k chunks, answering, start-up.

    newsdesk bench --corpus .../multihop_rag/corpus.jsonl --queries .../queries.jsonl
    python -m eval.bench --only startup --out /tmp/newsdesk-bench/bench.json

Every section measures Newsdesk next to a reference in the same run, so ratios are not skewed
by the load of this shared 2-core machine (the load average is recorded with each section):

* ``ingest``: ``newsdesk ingest`` (torch and ONNX backends, cold embedding cache) next to the raw
  encoder (``SentenceTransformer.encode`` on the same chunk texts, same batch size) and the
  textbook LangChain ingest (``Chroma.from_documents`` with ``HuggingFaceEmbeddings``), plus a
  ``--rebuild`` with the embedding cache warm.
* ``retrieval``: ``HybridRetriever.search`` latency p50/p95 over stores of about 1k, 10k and 100k
  chunks, embedded and through a ``chroma run`` server, each in its own process (peak RSS); and
  MultiHop-RAG Hits@10 of the torch and the int8 ONNX embeddings. Stores larger than the source
  get perturbed copies of its articles (distinct text; vectors = source vector + small noise,
  see :func:`add_perturbed_copies`): good for latency, not for quality.
* ``answer``: time to first token and total time p50/p95 per answerer on the gold questions,
  then throughput with N concurrent askers; ``openai`` against a local ``llama_cpp.server``.
* ``startup``: ``newsdesk --help``, ``newsdesk stats``, ``newsdesk serve`` until its "ready"
  line, with the server's peak RSS.

Results merge into one JSON file (``--out``), section by section; a table is printed.
Stores and servers live under ``--work`` (default ``/tmp/newsdesk-bench``), never in the repo.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
GOLD = ROOT / "eval" / "gold" / "sample.jsonl"
SECTIONS = ("ingest", "retrieval", "answer", "startup")
BIN = Path(sys.executable).parent

Log = Callable[[str], None]


@dataclass
class BenchConfig:
    """What to run and where; see ``python -m eval.bench --help``."""

    work: Path = Path("/tmp/newsdesk-bench")
    out: Path | None = None
    sections: list[str] = field(default_factory=lambda: list(SECTIONS))
    corpus: Path | None = None  # MultiHop-RAG corpus.jsonl
    corpus_limit: int | None = None  # only the first N articles of the corpus
    queries: Path | None = None  # MultiHop-RAG queries.jsonl
    source: str | None = None  # DATA_DIR:COLLECTION of a torch-built store of the corpus
    sizes: list[int] = field(default_factory=lambda: [1000, 10000, 100000])
    n_queries: int = 200  # latency queries per store
    quality_queries: int = 0  # MultiHop queries for Hits@10 (0 = all non-null)
    gold: Path = GOLD
    answerers: list[str] = field(default_factory=lambda: ["local", "extractive"])
    answer_limit: int | None = None
    concurrency: int = 4
    serve_answerers: list[str] = field(default_factory=lambda: ["local", "extractive"])
    servers: bool = True  # also measure through a chroma server and an OpenAI-compatible one
    baseline: bool = True
    batch_size: int = 64
    seed: int = 0

    @property
    def json_path(self) -> Path:
        """Where the results go."""
        return self.out or self.work / "bench.json"


# -- small helpers -------------------------------------------------------------------------


def load_avg() -> list[float]:
    """1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def summarize(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, mean and count of a list of numbers (linear interpolation)."""
    import numpy as np

    if not values:
        return {"n": 0}
    arr = np.asarray(values, dtype=float)
    return {
        "n": len(values),
        "p50": round(float(np.percentile(arr, 50)), 2),
        "p95": round(float(np.percentile(arr, 95)), 2),
        "mean": round(float(arr.mean()), 2),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b rounded, or None when either is missing or b is 0."""
    return round(a / b, 3) if a and b else None


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a live process, in MB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"VmHWM:\s+(\d+) kB", text)
    return round(int(m.group(1)) / 1024, 1) if m else None


def tree_rss_mb(pid: int) -> float:
    """Current RSS of a process and all its children, in MB."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return round(total / 2**20, 1)


def _self_peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _stop(proc: subprocess.Popen[Any]) -> None:
    """Stop a process this benchmark started (by its pid), then kill it if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_http(url: str, timeout: float, proc: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before answering")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"no answer from {url} after {timeout:.0f}s")


class ChromaServer:
    """``chroma run`` over an existing store directory (a context manager)."""

    def __init__(self, path: Path, log_path: Path) -> None:
        self.path, self.log_path = path, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ChromaServer:
        exe = shutil.which("chroma", path=str(BIN)) or "chroma"
        self._log = open(self.log_path, "wb")
        cmd = [exe, "run", "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [*cmd, "--path", str(self.path)], stdout=self._log, stderr=subprocess.STDOUT
        )
        _wait_http(self.url + "/api/v2/heartbeat", 60, self.proc)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            _stop(self.proc)
        self._log.close()

    def peak_rss_mb(self) -> float | None:
        """The server's peak RSS so far."""
        return peak_rss_mb(self.proc.pid) if self.proc else None


# -- ingest --------------------------------------------------------------------------------


def corpus_paths(cfg: BenchConfig) -> dict[str, list[Path]]:
    """The corpora to ingest: the bundled sample and (if given) MultiHop-RAG."""
    corpora: dict[str, list[Path]] = {"sample": [SAMPLE_DIR]}
    if cfg.corpus:
        path = cfg.corpus
        if cfg.corpus_limit:
            path = cfg.work / f"corpus-first-{cfg.corpus_limit}.jsonl"
            with cfg.corpus.open(encoding="utf-8") as src:
                lines = [line for _, line in zip(range(cfg.corpus_limit), src, strict=False)]
            path.write_text("".join(lines), encoding="utf-8")
        corpora["multihop"] = [path]
    return corpora


def chunk_texts(paths: Sequence[Path], settings: Any) -> tuple[list[str], int]:
    """The texts the pipeline embeds for these files (its own cleaning and chunking)."""
    from index.chunking import chunk_article
    from index.clean import clean_article
    from index.loaders import Skipped, expand_paths, load_file
    from index.pipeline import embed_text

    texts: list[str] = []
    seen: set[str] = set()
    for item in expand_paths(paths):
        if isinstance(item, Skipped):
            continue
        for raw in load_file(item):
            if isinstance(raw, Skipped):
                continue
            try:
                article = clean_article(raw)
            except ValueError:
                continue
            if article.doc_id in seen:
                continue
            seen.add(article.doc_id)
            chunks = chunk_article(article, settings.chunk_words, settings.chunk_overlap_words)
            texts.extend(embed_text(c) for c in chunks)
    return texts, len(seen)


def hf_embeddings() -> Any:
    """The bundled MiniLM as LangChain's ``HuggingFaceEmbeddings`` (textbook defaults, CPU)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from langchain_huggingface import HuggingFaceEmbeddings

    from index.embeddings import bundled_model_path

    return HuggingFaceEmbeddings(
        model_name=bundled_model_path(),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )


def langchain_ingest(paths: Sequence[Path], directory: Path, embeddings: Any) -> dict[str, Any]:
    """The textbook LangChain ingest: load → RecursiveCharacterTextSplitter(1000, 200) →
    ``Chroma.from_documents`` with ``HuggingFaceEmbeddings`` (time it around this call)."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    shutil.rmtree(directory, ignore_errors=True)
    docs: list[Document] = []
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.suffix == ".jsonl":
                for line in f.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        rec = json.loads(line)
                        text = f"{rec.get('title', '')}\n\n{rec.get('body', '')}"
                        docs.append(Document(page_content=text, metadata={"source": str(f)}))
            else:
                docs.append(
                    Document(
                        page_content=f.read_text(encoding="utf-8"), metadata={"source": str(f)}
                    )
                )
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        docs
    )
    store = Chroma.from_documents(
        splits, embeddings, collection_name="baseline", persist_directory=str(directory)
    )
    assert store._collection.count() == len(splits)
    return {"articles": len(docs), "chunks": len(splits)}


class Clock:
    """Wall time and this process's CPU time (all threads) since creation.

    CPU time is much less sensitive than wall time to other jobs on the machine, so ratios
    are reported on both.
    """

    def __init__(self) -> None:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()

    def wall(self) -> float:
        """Seconds elapsed."""
        return time.perf_counter() - self.wall0

    def cpu(self) -> float:
        """CPU seconds used by this process."""
        return time.process_time() - self.cpu0


def _rates(chunks: int, articles: int, clock: Clock) -> dict[str, Any]:
    wall, cpu = clock.wall(), clock.cpu()
    return {
        "chunks": chunks,
        "articles": articles,
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "chunks_per_s": round(chunks / wall, 2) if wall else None,
        "articles_per_s": round(articles / wall, 3) if wall else None,
        "chunks_per_cpu_s": round(chunks / cpu, 2) if cpu else None,
        "articles_per_cpu_s": round(articles / cpu, 3) if cpu else None,
        "load": load_avg(),
    }


def bench_ingest(cfg: BenchConfig, log: Log) -> dict[str, Any]:
    """Ingest throughput per corpus: Newsdesk (torch, onnx, warm cache) vs raw encoder and
    the LangChain baseline, all in this one run."""
    import torch

    from index.embeddings import Embedder
    from index.onnx_embedder import OnnxEmbedder
    from index.pipeline import ingest
    from index.settings import Settings

    threads = os.cpu_count() or 1
    torch_emb = Embedder(threads=0, batch_size=cfg.batch_size)
    onnx_emb = OnnxEmbedder(threads=0, batch_size=cfg.batch_size)
    torch_emb.warm_up()
    onnx_emb.warm_up()
    hf = None
    if cfg.baseline:
        hf = hf_embeddings()
        hf.embed_query("warm up")

    results: dict[str, Any] = {"batch_size": cfg.batch_size, "threads": threads}
    for name, paths in corpus_paths(cfg).items():
        row: dict[str, Any] = {}
        base = Settings(embed_batch_size=cfg.batch_size, collection=name)
        texts, n_articles = chunk_texts(paths, base)
        log(f"ingest {name}: {n_articles} articles, {len(texts)} chunks")

        # 1. The raw encoder: SentenceTransformer.encode over all chunk texts at once.
        model = torch_emb._load()
        torch.set_num_threads(threads)
        clock = Clock()
        model.encode(
            texts,
            batch_size=cfg.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        row["raw_encoder_torch"] = _rates(len(texts), n_articles, clock)
        log(f"  raw encoder (torch): {row['raw_encoder_torch']['chunks_per_s']} chunks/s")

        # 2. newsdesk ingest, torch backend, empty store and empty embedding cache.
        torch_dir = cfg.work / f"ingest-{name}-torch"
        shutil.rmtree(torch_dir, ignore_errors=True)
        settings = base.model_copy(update={"data_dir": torch_dir})
        clock = Clock()
        report = ingest(paths, settings, embedder=torch_emb)
        row["newsdesk_torch"] = _rates(report.chunks_written, report.count("added"), clock)
        row["newsdesk_torch"]["seconds_embedding"] = round(report.seconds_embedding, 2)
        log(f"  newsdesk ingest (torch): {row['newsdesk_torch']['chunks_per_s']} chunks/s")

        # 3. The textbook LangChain ingest.
        if hf is not None:
            clock = Clock()
            lc = langchain_ingest(paths, cfg.work / f"ingest-{name}-langchain", hf)
            row["langchain"] = _rates(lc["chunks"], lc["articles"], clock)
            log(f"  langchain from_documents: {row['langchain']['articles_per_s']} articles/s")

        # 4. newsdesk ingest, onnx backend, empty store and empty cache; then its raw encoder.
        onnx_dir = cfg.work / f"ingest-{name}-onnx"
        shutil.rmtree(onnx_dir, ignore_errors=True)
        onnx_settings = Settings(
            data_dir=onnx_dir,
            collection=name,
            embed_batch_size=cfg.batch_size,
            embedding_backend="onnx",
        )
        clock = Clock()
        report = ingest(paths, onnx_settings, embedder=onnx_emb)
        row["newsdesk_onnx"] = _rates(report.chunks_written, report.count("added"), clock)
        log(f"  newsdesk ingest (onnx): {row['newsdesk_onnx']['chunks_per_s']} chunks/s")
        clock = Clock()
        onnx_emb.encode(texts)
        row["raw_encoder_onnx"] = _rates(len(texts), n_articles, clock)

        # 5. --rebuild with the embedding cache warm (torch): nothing is re-embedded.
        clock = Clock()
        report = ingest(paths, settings, embedder=torch_emb, rebuild=True)
        row["newsdesk_torch_rebuild_cached"] = _rates(
            report.chunks_written, report.count("added"), clock
        )
        row["newsdesk_torch_rebuild_cached"]["chunks_from_cache"] = report.chunks_cached
        log(
            f"  rebuild, warm cache: {row['newsdesk_torch_rebuild_cached']['seconds']} s "
            f"({report.chunks_cached}/{report.chunks_written} from the cache)"
        )

        pairs = [
            ("torch_vs_raw_encoder", "newsdesk_torch", "raw_encoder_torch", "chunks"),
            ("onnx_vs_raw_torch_encoder", "newsdesk_onnx", "raw_encoder_torch", "chunks"),
            ("onnx_vs_raw_onnx_encoder", "newsdesk_onnx", "raw_encoder_onnx", "chunks"),
        ]
        if "langchain" in row:  # different chunking: compare whole articles
            pairs += [
                ("torch_vs_langchain", "newsdesk_torch", "langchain", "articles"),
                ("onnx_vs_langchain", "newsdesk_onnx", "langchain", "articles"),
            ]
        row["ratios"] = {}
        for label, a, b, unit in pairs:
            row["ratios"][f"{label}_{unit}"] = ratio(
                row[a][f"{unit}_per_s"], row[b][f"{unit}_per_s"]
            )
            row["ratios"][f"{label}_{unit}_cpu"] = ratio(
                row[a][f"{unit}_per_cpu_s"], row[b][f"{unit}_per_cpu_s"]
            )
        results[name] = row
    return results


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


def _store_settings(data_dir: Path, collection: str, **extra: Any) -> Any:
    from index.settings import Settings

    return Settings(data_dir=data_dir, collection=collection, **extra)


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
        "latency_ms": summarize(lat),
        "cpu_ms": summarize(cpu_ms),  # CPU time of this process per search (all threads)
        "embed_query_ms": summarize(embed_ms),
        "bm25_scores_ms": summarize(bm25_ms),
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


# -- answering -----------------------------------------------------------------------------


def _sample_store(cfg: BenchConfig) -> Path:
    """A torch-built store of the bundled sample articles (reused when present)."""
    from index.pipeline import ingest

    data_dir = cfg.work / "ingest-sample-torch"
    if not (data_dir / "chroma").is_dir():
        ingest([SAMPLE_DIR], _store_settings(data_dir, "sample"))
    return data_dir


def _prompt_tokens(assistant: Any, answer: Any) -> int | None:
    """Tokens of the answer prompt (system + passages + question) for the local model."""
    from qa.prompts import ANSWER_PROMPT, format_passages

    model = assistant._models.get("local")
    if model is None or not answer.retrieved:
        return None
    llama = model[0].client
    messages = ANSWER_PROMPT.format_messages(
        passages=format_passages(answer.retrieved), question=answer.standalone_question
    )
    text = "\n".join(str(m.content) for m in messages)
    return len(llama.tokenize(text.encode("utf-8"), add_bos=False)) + 10  # + chat template


def _time_one(assistant: Any, question: str, answerer: str) -> dict[str, Any]:
    from qa.answer import Answer

    t0 = time.perf_counter()
    first = None
    answer = None
    for item in assistant.stream(question, answerer=answerer):
        if first is None:
            first = time.perf_counter() - t0
        if isinstance(item, Answer):
            answer = item
    total = time.perf_counter() - t0
    assert answer is not None
    return {
        "ttft_s": round(first or total, 3),
        "total_s": round(total, 3),
        "refused": answer.refused,
        "answerer": answer.answerer,
        "answer": answer,
    }


def _answer_runs(
    assistant: Any, questions: list[str], answerer: str, concurrency: int, log: Log
) -> dict[str, Any]:
    runs = []
    for i, q in enumerate(questions, 1):
        run = _time_one(assistant, q, answerer)
        run["prompt_tokens"] = _prompt_tokens(assistant, run["answer"])
        runs.append(run)
        if i % 10 == 0:
            log(f"  {answerer}: {i}/{len(questions)}")
    out: dict[str, Any] = {
        "questions": len(runs),
        "ttft_s": summarize([r["ttft_s"] for r in runs]),
        "total_s": summarize([r["total_s"] for r in runs]),
        "refused": sum(r["refused"] for r in runs),
        "fallbacks": sum("fallback" in r["answerer"] for r in runs),
        "load": load_avg(),
    }
    tokens = [r["prompt_tokens"] for r in runs if r["prompt_tokens"]]
    if tokens:
        out["prompt_tokens"] = summarize(tokens)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        conc = list(pool.map(lambda q: _time_one(assistant, q, answerer), questions))
    wall = time.perf_counter() - t0
    out["concurrent"] = {
        "askers": concurrency,
        "questions": len(conc),
        "wall_s": round(wall, 2),
        "questions_per_s": round(len(conc) / wall, 3),
        "total_s": summarize([r["total_s"] for r in conc]),
        "load": load_avg(),
    }
    return out


def bench_answer(cfg: BenchConfig, log: Log) -> dict[str, Any]:
    """TTFT and total time per answerer on the gold questions, then with concurrent askers."""
    from qa.assistant import Assistant

    rows = [json.loads(x) for x in cfg.gold.read_text(encoding="utf-8").splitlines() if x]
    questions = [r["question"] for r in rows][: cfg.answer_limit]
    data_dir = _sample_store(cfg)
    results: dict[str, Any] = {"gold": str(cfg.gold), "questions": len(questions)}
    for answerer in cfg.answerers:
        if answerer == "openai":
            continue
        settings = _store_settings(data_dir, "sample", answerer=answerer)
        assistant = Assistant(settings)
        t0 = time.perf_counter()
        assistant.warm_up(answerer)  # type: ignore[arg-type]
        warm = time.perf_counter() - t0
        log(f"answer {answerer}: warm-up {warm:.1f}s")
        results[answerer] = _answer_runs(assistant, questions, answerer, cfg.concurrency, log)
        results[answerer]["warm_up_s"] = round(warm, 2)
        results[answerer]["process_peak_rss_mb"] = _self_peak_rss_mb()
        log(f"answer {answerer}: ttft {results[answerer]['ttft_s']}")
    if cfg.servers and ("openai" in cfg.answerers or "local" in cfg.answerers):
        results["openai_llama_cpp_server"] = _bench_openai(cfg, data_dir, questions, log)
    return results


def _bench_openai(
    cfg: BenchConfig, data_dir: Path, questions: list[str], log: Log
) -> dict[str, Any]:
    """The ``openai`` answerer against ``python -m llama_cpp.server`` with the same GGUF."""
    from qa.assistant import Assistant
    from qa.model_files import local_model_path

    settings = _store_settings(data_dir, "sample", answerer="openai")
    gguf = local_model_path(settings)
    port = free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(settings.n_ctx),
        "--n_threads", str(settings.n_threads), "--n_threads_batch", str(settings.n_threads),
        "--n_batch", "512", "--model_alias", "newsdesk-local",
    ]  # fmt: skip
    logs = cfg.work / "logs"
    logs.mkdir(exist_ok=True)
    with open(logs / "llama-server.log", "wb") as log_file:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            _wait_http(f"http://127.0.0.1:{port}/v1/models", 120, proc)
            ready = time.perf_counter() - t0
            log(f"llama_cpp.server ready in {ready:.1f}s")
            settings = settings.model_copy(
                update={
                    "openai_base_url": f"http://127.0.0.1:{port}/v1",
                    "openai_model": "newsdesk-local",
                }
            )
            assistant = Assistant(settings)
            assistant.warm_up("openai")
            out = _answer_runs(assistant, questions, "openai", cfg.concurrency, log)
            out["server_ready_s"] = round(ready, 2)
            out["server_peak_rss_mb"] = peak_rss_mb(proc.pid)
            out["command"] = " ".join(cmd[1:]).replace(str(gguf), "MODEL.gguf")
        finally:
            _stop(proc)
    return out


# -- start-up ------------------------------------------------------------------------------


def _newsdesk() -> str:
    return shutil.which("newsdesk", path=str(BIN)) or str(BIN / "newsdesk")


def _time_cmd(cmd: list[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return {"runs": runs, "median_s": round(sorted(times)[len(times) // 2], 3),
            "min_s": round(min(times), 3)}  # fmt: skip


_IMPORT_CHECK = (
    "import sys; from typer.testing import CliRunner; from ui.cli import app; "
    "r = CliRunner().invoke(app, sys.argv[1:]); "
    "print(r.exit_code, sorted(m for m in ('torch', 'sentence_transformers', 'llama_cpp', "
    "'gradio', 'onnxruntime', 'chromadb') if m in sys.modules))"
)


def heavy_imports(args: list[str], env: dict[str, str]) -> list[str]:
    """Heavy modules imported by ``newsdesk ARGS`` (run in a fresh interpreter)."""
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_CHECK, *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    code, _, mods = proc.stdout.strip().partition(" ")
    if code != "0":
        raise RuntimeError(f"newsdesk {' '.join(args)} failed: {proc.stdout}{proc.stderr}")
    return list(json.loads(mods.replace("'", '"')))


def _serve_has_ready() -> bool:
    return (ROOT / "ui" / "serve.py").is_file() and "def serve(" in (
        ROOT / "ui" / "cli.py"
    ).read_text(encoding="utf-8")


def time_serve(env: dict[str, str], answerer: str, log_path: Path, ask: bool) -> dict[str, Any]:
    """Start ``newsdesk serve``; time until its "ready" line; peak RSS of the process tree."""
    port = free_port()
    cmd = [_newsdesk(), "serve", "--port", str(port), "--answerer", answerer]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    ready: list[float] = []
    lines: list[str] = []

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if not ready and "ready" in line.lower() and "http" in line:
                ready.append(time.perf_counter() - t0)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    peak = 0.0
    out: dict[str, Any] = {"answerer": answerer}
    try:
        deadline = time.time() + 300
        while not ready and proc.poll() is None and time.time() < deadline:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.2)
        if not ready:
            raise RuntimeError(f"serve never printed ready: {''.join(lines)[-800:]}")
        out["ready_s"] = round(ready[0], 2)
        for _ in range(10):
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.2)
        if ask:
            try:
                from gradio_client import Client

                t1 = time.perf_counter()
                client = Client(f"http://127.0.0.1:{port}", verbose=False)
                client.predict(question="Who is Russia's ambassador to the US?", api_name="/ask")
                out["first_question_s"] = round(time.perf_counter() - t1, 2)
            except Exception as exc:  # the API belongs to the app; measure what we can
                out["first_question_error"] = f"{type(exc).__name__}: {exc}"[:200]
            peak = max(peak, tree_rss_mb(proc.pid))
        out["peak_rss_mb"] = max(peak, peak_rss_mb(proc.pid) or 0.0)
    finally:
        _stop(proc)
        thread.join(timeout=5)
        log_path.write_text("".join(lines), encoding="utf-8")
    return out


def bench_startup(cfg: BenchConfig, log: Log) -> dict[str, Any]:
    """``newsdesk --help``/``stats`` wall time and imports; ``serve`` until ready."""
    data_dir = _sample_store(cfg)
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data_dir),
        "NEWSDESK_COLLECTION": "sample",
        "PYTHONPATH": str(ROOT),
    }
    logs = cfg.work / "logs"
    logs.mkdir(exist_ok=True)
    out: dict[str, Any] = {
        "help": _time_cmd([_newsdesk(), "--help"], env, 7),
        "stats": _time_cmd([_newsdesk(), "stats", "--json"], env, 5),
        "help_heavy_imports": heavy_imports(["--help"], env),
        "stats_heavy_imports": heavy_imports(["stats", "--json"], env),
        "load": load_avg(),
    }
    log(f"startup: --help {out['help']['median_s']}s, stats {out['stats']['median_s']}s")
    if _serve_has_ready():
        for answerer in cfg.serve_answerers:
            out[f"serve_{answerer}"] = time_serve(
                env, answerer, logs / f"serve-{answerer}.log", ask=answerer == "local"
            )
            log(f"startup: serve ({answerer}) {out[f'serve_{answerer}']}")
    else:
        out["serve"] = "not available (no `newsdesk serve` yet)"
    return out


# -- report --------------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    """Machine and code identity recorded with the results."""
    import psutil

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "git": commit,
    }


def _fmt(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.2f}" if abs(x) < 100 else f"{x:,.0f}"
    return str(x)


def tables(results: dict[str, Any]) -> Iterator[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) for each section present in the results."""
    ing = results.get("ingest")
    if ing:
        rows = []
        for corpus, row in ing.items():
            if not isinstance(row, dict) or "newsdesk_torch" not in row:
                continue
            for key, label in (
                ("raw_encoder_torch", "raw encoder (SentenceTransformer.encode, torch)"),
                ("newsdesk_torch", "newsdesk ingest, torch"),
                ("newsdesk_onnx", "newsdesk ingest, onnx int8"),
                ("raw_encoder_onnx", "raw encoder (onnx int8)"),
                ("langchain", "LangChain Chroma.from_documents + HuggingFaceEmbeddings"),
                ("newsdesk_torch_rebuild_cached", "newsdesk ingest --rebuild, cache warm"),
            ):
                if key in row:
                    r = row[key]
                    rows.append([corpus, label, _fmt(r["chunks"]), _fmt(r["seconds"]),
                                 _fmt(r["chunks_per_s"]), _fmt(r["articles_per_s"]),
                                 _fmt(r.get("chunks_per_cpu_s")), _fmt(r["load"][0])])  # fmt: skip
        yield "Ingest", ["corpus", "what", "chunks", "s", "chunks/s", "articles/s",
                         "chunks/CPU-s", "load"], rows  # fmt: skip
        rows = [
            [corpus, k, _fmt(v)]
            for corpus, row in ing.items()
            if isinstance(row, dict)
            for k, v in row.get("ratios", {}).items()
        ]
        yield "Ingest ratios", ["corpus", "ratio", "value"], rows
    ret = results.get("retrieval")
    if ret:
        rows = []
        for _, row in ret.get("sizes", {}).items():
            for mode in ("embedded", "server"):
                if mode in row:
                    r = row[mode]
                    srv = r.get("chroma_server_peak_rss_mb")
                    rows.append([_fmt(r["chunks"]), mode, _fmt(r["latency_ms"].get("p50")),
                                 _fmt(r["latency_ms"].get("p95")),
                                 _fmt(r["embed_query_ms"].get("p50")),
                                 _fmt(r["peak_rss_mb"]) + (f" + server {_fmt(srv)}" if srv else ""),
                                 _fmt(r["load"][0])])  # fmt: skip
        yield "Retrieval (search, k=10)", ["chunks", "store", "p50 ms", "p95 ms",
                                           "embed p50 ms", "peak RSS MB", "load"], rows  # fmt: skip
        q = ret.get("quality")
        if q:
            rows = [[b, _fmt(q[b]["hits_at_10"]), _fmt(q[b]["latency_ms"]["p50"]),
                     _fmt(q[b]["embed_query_ms"]["p50"])] for b in ("torch", "onnx")]  # fmt: skip
            yield (f"MultiHop-RAG Hits@10 by embedding backend ({q['queries']} queries)",
                   ["backend", "Hits@10", "search p50 ms", "embed p50 ms"], rows)  # fmt: skip
    ans = results.get("answer")
    if ans:
        rows = []
        for name in ("local", "extractive", "openai_llama_cpp_server"):
            if name in ans:
                r = ans[name]
                c = r["concurrent"]
                rows.append([name, _fmt(r["ttft_s"].get("p50")), _fmt(r["ttft_s"].get("p95")),
                             _fmt(r["total_s"].get("p50")), _fmt(r["total_s"].get("p95")),
                             _fmt(r.get("prompt_tokens", {}).get("p50")),
                             _fmt(c["questions_per_s"]), _fmt(c["total_s"].get("p50")),
                             _fmt(r["load"][0])])  # fmt: skip
        yield (f"Answering ({ans['questions']} gold questions; 4 askers = concurrent)",
               ["answerer", "TTFT p50 s", "TTFT p95 s", "total p50 s", "total p95 s",
                "prompt tok p50", "q/s (4 askers)", "total p50 s (4 askers)", "load"],
               rows)  # fmt: skip
    st = results.get("startup")
    if st:
        rows = [
            ["newsdesk --help", _fmt(st["help"]["median_s"]), "–",
             ", ".join(st["help_heavy_imports"]) or "none"],
            ["newsdesk stats --json", _fmt(st["stats"]["median_s"]), "–",
             ", ".join(st["stats_heavy_imports"]) or "none"],
        ]  # fmt: skip
        for name in ("serve_local", "serve_extractive"):
            if isinstance(st.get(name), dict):
                r = st[name]
                rows.append([f"newsdesk serve --answerer {r['answerer']} (to ready)",
                             _fmt(r["ready_s"]), _fmt(r["peak_rss_mb"]), "–"])  # fmt: skip
        yield "Start-up", ["command", "s", "peak RSS MB", "heavy imports"], rows


def markdown(results: dict[str, Any]) -> str:
    """The result tables as Markdown."""
    parts = []
    for title, header, rows in tables(results):
        parts.append(f"**{title}**\n")
        parts.append("| " + " | ".join(header) + " |")
        parts.append("|" + "---|" * len(header))
        parts.extend("| " + " | ".join(r) + " |" for r in rows)
        parts.append("")
    return "\n".join(parts)


def print_tables(results: dict[str, Any]) -> None:
    """The result tables on the terminal."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for title, header, rows in tables(results):
        table = Table(title=title, title_justify="left")
        for h in header:
            table.add_column(h)
        for r in rows:
            table.add_row(*r)
        console.print(table)


# -- entry points --------------------------------------------------------------------------


def run(cfg: BenchConfig, log: Log = print) -> dict[str, Any]:
    """Run the chosen sections; merge them into ``cfg.json_path``; return all results."""
    cfg.work.mkdir(parents=True, exist_ok=True)
    path = cfg.json_path
    results: dict[str, Any] = {}
    if path.is_file():
        try:
            results = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            results = {}
    results["environment"] = environment()
    runners = {
        "ingest": bench_ingest,
        "retrieval": bench_retrieval,
        "answer": bench_answer,
        "startup": bench_startup,
    }
    for section in cfg.sections:
        log(f"== {section} (load {load_avg()})")
        t0 = time.perf_counter()
        data = runners[section](cfg, log)
        data["_meta"] = {
            "started_load": load_avg(),
            "seconds": round(time.perf_counter() - t0, 1),
            "at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "command": " ".join(["newsdesk bench", *sys.argv[2 if "bench" in sys.argv else 1 :]]),
        }
        results[section] = data
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return results


def parser() -> argparse.ArgumentParser:
    """Command-line options of ``newsdesk bench`` / ``python -m eval.bench``."""
    p = argparse.ArgumentParser(
        prog="newsdesk bench",
        description="Benchmark ingest, retrieval, answering and start-up; print tables and "
        "merge results into a JSON file.",
    )
    p.add_argument("--only", default=",".join(SECTIONS), help="sections, comma-separated")
    p.add_argument("--work", type=Path, default=Path("/tmp/newsdesk-bench"),
                   help="where stores, logs and servers' data go (never the repo)")  # fmt: skip
    p.add_argument("--out", type=Path, help="results JSON (default WORK/bench.json)")
    p.add_argument("--corpus", type=Path, help="MultiHop-RAG corpus.jsonl")
    p.add_argument("--corpus-limit", type=int, help="only the first N corpus articles")
    p.add_argument("--queries", type=Path, help="MultiHop-RAG queries.jsonl")
    p.add_argument("--source", help="DATA_DIR:COLLECTION of a torch-built corpus store to reuse")
    p.add_argument("--sizes", default="1000,10000,100000", help="retrieval store sizes")
    p.add_argument("--n-queries", type=int, default=200, help="latency queries per store")
    p.add_argument("--quality-queries", type=int, default=0, help="Hits@10 queries (0 = all)")
    p.add_argument("--gold", type=Path, default=GOLD, help="gold questions for answering")
    p.add_argument("--answerers", default="local,extractive")
    p.add_argument("--answer-limit", type=int, help="only the first N gold questions")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--serve-answerers", default="local,extractive",
                   help="`newsdesk serve --answerer A` to time ('' for none)")  # fmt: skip
    p.add_argument("--no-servers", action="store_true", help="skip chroma/llama.cpp servers")
    p.add_argument("--no-baseline", action="store_true", help="skip the LangChain ingest")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    p.add_argument("--tables-only", action="store_true", help="print the tables of --out")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    for name in ("--data-dir", "--collection", "--questions", "--chroma-url"):
        p.add_argument(name, help=argparse.SUPPRESS)
    p.add_argument("--backend", default="torch", help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``newsdesk bench`` / ``python -m eval.bench``."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = parser().parse_args(argv)
    if args.worker == "retrieval":
        print(json.dumps(retrieval_worker(args)), flush=True)
        return 0
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        print(f"unknown section(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    cfg = BenchConfig(
        work=args.work,
        out=args.out,
        sections=sections,
        corpus=args.corpus,
        corpus_limit=args.corpus_limit,
        queries=args.queries,
        source=args.source,
        sizes=[int(x) for x in args.sizes.split(",") if x],
        n_queries=args.n_queries,
        quality_queries=args.quality_queries,
        gold=args.gold,
        answerers=[a.strip() for a in args.answerers.split(",") if a.strip()],
        answer_limit=args.answer_limit,
        concurrency=args.concurrency,
        serve_answerers=[a.strip() for a in args.serve_answerers.split(",") if a.strip()],
        servers=not args.no_servers,
        baseline=not args.no_baseline,
        batch_size=args.batch_size,
    )
    if args.tables_only:
        results = json.loads(cfg.json_path.read_text(encoding="utf-8"))
    else:
        results = run(cfg, log=lambda m: print(m, file=sys.stderr, flush=True))
        print(f"wrote {cfg.json_path}", file=sys.stderr)
    print_tables(results)
    if args.markdown:
        print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
