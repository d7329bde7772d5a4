"""Stores grown to a size for the retrieval benchmark: a subset of a source store's articles,
or perturbed copies of them (distinct text, vectors = the source's plus small noise).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from eval.bench.common import Log


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
    from index.store import Store

    dst = Store(dst_settings)
    total = dst.count_chunks()
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    by_doc = _source_vectors(src)
    docs = _source_docs(src)
    vocab = sorted({w for _, text, _ in docs[:200] for w in re.findall(r"\b[a-z]{4,}\b", text)})
    writer = _CopyWriter(dst)
    copy = 0
    while total < target:
        copy += 1
        log(f"  perturbed copy {copy}: {total} chunks so far")
        for doc_id, text, meta in docs:
            if total >= target:
                break
            article = _perturbed_article(doc_id, text, meta, f"#copy{copy}", vocab, rng)
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
            writer.add(article, chunks, vecs)
            total += len(chunks)
    writer.flush()
    return total


def _source_vectors(src: Any) -> dict[str, list[tuple[int, list[float]]]]:
    """Every chunk vector of ``src`` by article id, with the chunk's position."""
    by_doc: dict[str, list[tuple[int, list[float]]]] = {}
    for page in src._pages(src.chunks, include=["metadatas", "embeddings"]):
        for meta, vec in zip(page["metadatas"], page["embeddings"], strict=True):
            by_doc.setdefault(meta["doc_id"], []).append((int(meta["position"]), vec))
    return by_doc


def _source_docs(src: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Every article record of ``src`` as (id, text, metadata), sorted by id."""
    docs: list[tuple[str, str, dict[str, Any]]] = []
    for page in src._pages(src.docs, include=["documents", "metadatas"]):
        docs.extend(zip(page["ids"], page["documents"], page["metadatas"], strict=True))
    docs.sort(key=lambda d: d[0])
    return docs


def _perturbed_article(
    doc_id: str,
    text: str,
    meta: dict[str, Any],
    suffix: str,
    vocab: Sequence[str],
    rng: random.Random,
) -> Any:
    """A copy of an article with ~15% of its words swapped; ``suffix`` marks its ids."""
    from index.documents import Article, content_hash

    new_text = _perturb(text, vocab, rng, 0.15)
    return Article(
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


class _CopyWriter:
    """Buffers copied chunks (vectors renormalized) and writes them in batches, each
    article's record after its chunks."""

    def __init__(self, dst: Any) -> None:
        self.dst = dst
        self.chunks: list[Any] = []
        self.vecs: list[Any] = []
        self.docs: list[tuple[Any, int, Any]] = []

    def add(self, article: Any, chunks: list[Any], vecs: Any) -> None:
        """Queue one article's chunks with their (unnormalized) vectors."""
        import numpy as np

        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        mean = vecs.mean(axis=0)
        mean /= np.linalg.norm(mean) or 1.0
        self.chunks.extend(chunks)
        self.vecs.extend(vecs.tolist())
        self.docs.append((article, len(chunks), mean.tolist()))
        if len(self.chunks) >= 4000:
            self.flush()

    def flush(self) -> None:
        """Write what is queued."""
        for i in range(0, len(self.chunks), 2000):
            self.dst.upsert_chunks(self.chunks[i : i + 2000], self.vecs[i : i + 2000])
        for article, n, mean in self.docs:
            self.dst.commit_doc(article, n, mean)
        self.chunks.clear()
        self.vecs.clear()
        self.docs.clear()
