"""Ingest benchmark: Newsdesk next to the raw encoder and the LangChain ingest."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.bench.common import SAMPLE_DIR, BenchConfig, Log, load_avg, ratio

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
    return {"articles": len(docs), "chunks": len(splits), "texts": [d.page_content for d in splits]}


def token_count(texts: Sequence[str]) -> int:
    """Tokens the MiniLM encoder sees for these texts (its tokenizer, at most 256 per text).

    Chunkings differ (Newsdesk: ~120 words with a title; LangChain: 1,000 characters), so
    throughput per token is the like-for-like comparison of the encoders' work.
    """
    from tokenizers import Tokenizer

    from index.embeddings import bundled_model_path

    tok = Tokenizer.from_file(str(Path(bundled_model_path()) / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=256)
    return sum(len(e.ids) for e in tok.encode_batch(list(texts)))


def _add_tokens(rates: dict[str, Any], tokens: int) -> None:
    rates["tokens"] = tokens
    rates["tokens_per_s"] = round(tokens / rates["seconds"], 1) if rates["seconds"] else None


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


@dataclass
class Encoders:
    """The embedders every corpus row uses, loaded and warmed up once."""

    torch: Any
    onnx: Any
    hf: Any = None  # the LangChain baseline's HuggingFaceEmbeddings (with --baseline)
    threads: int = 1


def load_encoders(cfg: BenchConfig) -> Encoders:
    """Newsdesk's torch and onnx embedders (and the baseline's), warmed up."""
    from index.embeddings import Embedder
    from index.embeddings.onnx_backend import OnnxEmbedder

    encoders = Encoders(
        torch=Embedder(threads=0, batch_size=cfg.batch_size),
        onnx=OnnxEmbedder(threads=0, batch_size=cfg.batch_size),
        threads=os.cpu_count() or 1,
    )
    encoders.torch.warm_up()
    encoders.onnx.warm_up()
    if cfg.baseline:
        from eval.baseline import hf_embeddings

        encoders.hf = hf_embeddings()
        encoders.hf.embed_query("warm up")
    return encoders


def bench_ingest(cfg: BenchConfig, log: Log) -> dict[str, Any]:
    """Ingest throughput per corpus: Newsdesk (torch, onnx, warm cache) vs raw encoder and
    the LangChain baseline, all in this one run."""
    encoders = load_encoders(cfg)
    results: dict[str, Any] = {
        "batch_size": cfg.batch_size,
        "forward_batch": {"torch": encoders.torch.pass_size, "onnx": encoders.onnx.pass_size},
        "threads": encoders.threads,
    }
    for name, paths in corpus_paths(cfg).items():
        results[name] = corpus_row(cfg, name, paths, encoders, log)
    return results


def corpus_row(
    cfg: BenchConfig, name: str, paths: list[Path], enc: Encoders, log: Log
) -> dict[str, Any]:
    """Every measurement of one corpus, in the order they run, and their ratios."""
    from index.pipeline import ingest
    from index.settings import Settings

    row: dict[str, Any] = {}
    base = Settings(embed_batch_size=cfg.batch_size, collection=name)
    texts, n_articles = chunk_texts(paths, base)
    tokens = token_count(texts)
    log(f"ingest {name}: {n_articles} articles, {len(texts)} chunks, {tokens} tokens")

    # 1. The raw encoder: SentenceTransformer.encode over all chunk texts at once, with
    # the forward batch size the pipeline uses.
    row["raw_encoder_torch"] = raw_torch_encoder(texts, n_articles, tokens, enc)
    log(f"  raw encoder (torch): {row['raw_encoder_torch']['chunks_per_s']} chunks/s")

    # 2. newsdesk ingest, torch backend, empty store and empty embedding cache.
    settings = base.model_copy(update={"data_dir": fresh_dir(cfg.work / f"ingest-{name}-torch")})
    row["newsdesk_torch"], report = timed_ingest(paths, settings, enc.torch, tokens)
    row["newsdesk_torch"]["seconds_embedding"] = round(report.seconds_embedding, 2)
    log(f"  newsdesk ingest (torch): {row['newsdesk_torch']['chunks_per_s']} chunks/s")

    # 3. The textbook LangChain ingest.
    if enc.hf is not None:
        clock = Clock()
        lc = langchain_ingest(paths, cfg.work / f"ingest-{name}-langchain", enc.hf)
        row["langchain"] = _rates(lc["chunks"], lc["articles"], clock)
        _add_tokens(row["langchain"], token_count(lc["texts"]))
        log(f"  langchain from_documents: {row['langchain']['articles_per_s']} articles/s")

    # 4. newsdesk ingest, onnx backend, empty store and empty cache; then its raw encoder.
    onnx_settings = Settings(
        data_dir=fresh_dir(cfg.work / f"ingest-{name}-onnx"),
        collection=name,
        embed_batch_size=cfg.batch_size,
        embedding_backend="onnx",
    )
    row["newsdesk_onnx"], _ = timed_ingest(paths, onnx_settings, enc.onnx, tokens)
    log(f"  newsdesk ingest (onnx): {row['newsdesk_onnx']['chunks_per_s']} chunks/s")
    clock = Clock()
    enc.onnx.encode(texts)
    row["raw_encoder_onnx"] = _rates(len(texts), n_articles, clock)
    _add_tokens(row["raw_encoder_onnx"], tokens)

    # 5. --rebuild with the embedding cache warm (torch): nothing is re-embedded.
    clock = Clock()
    report = ingest(paths, settings, embedder=enc.torch, rebuild=True)
    cached = _rates(report.chunks_written, report.count("added"), clock)
    cached["chunks_from_cache"] = report.chunks_cached
    row["newsdesk_torch_rebuild_cached"] = cached
    log(
        f"  rebuild, warm cache: {cached['seconds']} s "
        f"({report.chunks_cached}/{report.chunks_written} from the cache)"
    )
    row["ratios"] = ratios(row)
    return row


def timed_ingest(
    paths: list[Path], settings: Any, embedder: Any, tokens: int
) -> tuple[dict[str, Any], Any]:
    """``newsdesk ingest`` of ``paths``: its rates (``tokens`` the texts' tokens) and report."""
    from index.pipeline import ingest

    clock = Clock()
    report = ingest(paths, settings, embedder=embedder)
    rates = _rates(report.chunks_written, report.count("added"), clock)
    _add_tokens(rates, tokens)
    return rates, report


def fresh_dir(path: Path) -> Path:
    """``path``, emptied (an empty store and embedding cache)."""
    shutil.rmtree(path, ignore_errors=True)
    return path


def raw_torch_encoder(
    texts: list[str], n_articles: int, tokens: int, enc: Encoders
) -> dict[str, Any]:
    """SentenceTransformer.encode over every text at once, as the pipeline batches them."""
    import torch

    model = enc.torch._load()
    torch.set_num_threads(enc.threads)
    clock = Clock()
    model.encode(
        texts,
        batch_size=enc.torch.pass_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    rates = _rates(len(texts), n_articles, clock)
    _add_tokens(rates, tokens)
    return rates


def ratios(row: dict[str, Any]) -> dict[str, Any]:
    """Newsdesk's throughput over the raw encoders' and LangChain's (wall and CPU time)."""
    pairs = [
        ("torch_vs_raw_encoder", "newsdesk_torch", "raw_encoder_torch", "chunks"),
        ("onnx_vs_raw_torch_encoder", "newsdesk_onnx", "raw_encoder_torch", "chunks"),
        ("onnx_vs_raw_onnx_encoder", "newsdesk_onnx", "raw_encoder_onnx", "chunks"),
    ]
    if "langchain" in row:  # different chunking: compare whole articles
        pairs += [
            ("torch_vs_langchain", "newsdesk_torch", "langchain", "articles"),
            ("onnx_vs_langchain", "newsdesk_onnx", "langchain", "articles"),
            ("torch_vs_langchain", "newsdesk_torch", "langchain", "tokens"),
        ]
    out: dict[str, Any] = {}
    for label, a, b, unit in pairs:
        out[f"{label}_{unit}"] = ratio(row[a][f"{unit}_per_s"], row[b][f"{unit}_per_s"])
        if f"{unit}_per_cpu_s" in row[a]:
            out[f"{label}_{unit}_cpu"] = ratio(
                row[a][f"{unit}_per_cpu_s"], row[b][f"{unit}_per_cpu_s"]
            )
    return out
