"""MultiHop-RAG: retrieval on every query and answers on a stratified sample, both systems.

    newsdesk eval-multihop --corpus PATH/corpus.jsonl --queries PATH/queries.jsonl

1. Ingests ``corpus.jsonl`` into its own collection (default ``multihop``) unless every
   article is there already, and builds the baseline's own Chroma the same way. The data is
   read from its path, never copied into the repository.
2. Retrieval only, on all 2,556 queries: chunk-level Hits@4, Hits@10, MRR@10 and MAP@10
   exactly as upstream ``retrieval_evaluate.py`` (whitespace removed, a chunk is relevant if
   it contains a gold ``fact``), which by construction scores the 2,255 non-null queries
   (null queries have no evidence); document-level Recall@4/@10 on ``docs``.
3. Answers on a fixed-seed sample stratified by ``question_type`` (≥ 200 by default):
   upstream rule (lenient, labelled), EM, F1, contains-gold, null-query refusal rate.

Every table puts Newsdesk next to the baseline and the paper's Table 5 / Table 6.

Example:
    >>> q = {"id": "q1", "question": "Who?", "answer": "Insufficient information.",
    ...      "question_type": "null_query", "docs": [], "evidence": []}
    >>> rec = to_record(q)
    >>> rec["type"], rec["unanswerable"], rec["facts"]
    ('null_query', True, [])
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.multihop_report import summary_markdown
from eval.report import write_reports
from eval.runner import evaluate, normalize_record, stratified_sample, write_results
from eval.splits import in_split
from eval.systems import NewsdeskSystem, System


def to_record(query: dict[str, Any]) -> dict[str, Any]:
    """A MultiHop-RAG query as a gold record (type = question_type, facts = evidence facts)."""
    return normalize_record({**query, "type": query.get("question_type", "")})


def load_queries(path: str | Path) -> list[dict[str, Any]]:
    """All queries of ``queries.jsonl`` as gold records, in file order."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [to_record(json.loads(line)) for line in lines if line.strip()]


def corpus_ids(path: str | Path) -> set[str]:
    """The ``id`` of every article in ``corpus.jsonl``."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return {str(json.loads(line)["id"]) for line in lines if line.strip()}


def ensure_ingested(settings: Any, corpus: str | Path, embedder: Any = None) -> dict[str, Any]:
    """Ingest the corpus into ``settings.collection`` unless all its articles are there."""
    from index.pipeline import ingest
    from index.store import Store

    store = Store(settings)
    have = {str(d.get("external_id", "")) for d in store.get_docs()}
    missing = corpus_ids(corpus) - have
    info: dict[str, Any] = {"articles": len(have), "ingested": False}
    if missing:
        t0 = time.perf_counter()
        report = ingest([corpus], settings, store=store, embedder=embedder)
        info |= {
            "ingested": True,
            "seconds": round(time.perf_counter() - t0, 1),
            "chunks_written": report.chunks_written,
            "articles": store.count_docs(),
        }
    return info


def run_multihop(
    corpus: str | Path,
    queries: str | Path,
    settings: Any,
    out: str | Path,
    *,
    answerer: str = "local",
    retrieval_only: bool = False,
    sample: int = 200,
    seed: int = 0,
    baseline: bool = True,
    baseline_sample: int | None = None,
    limit: int | None = None,
    answers_only: bool = False,
    split: str = "dev",
    embedder: Any = None,
    progress: bool = True,
    command: str = "",
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The whole MultiHop-RAG evaluation; writes ``<out>/report.md`` and ``results.json``.

    ``split`` (``dev``, ``test`` or ``all``; see :mod:`eval.splits`) picks the queries of the
    retrieval pass; the answer sample is drawn from the dev split for ``dev`` and from the test
    split otherwise (the fixed stratified 200 that reports quote).
    ``answers_only`` skips the retrieval pass over every query (step 2).
    ``baseline_sample=N``: the baseline answers only the first N of the (shuffled, so fairly
    mixed) answer sample, next to Newsdesk's answers to the same N; Newsdesk answers them all.
    """
    from eval.commands import now

    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ingest_info = ensure_ingested(settings, corpus, embedder)
    log(f"newsdesk collection '{settings.collection}': {ingest_info}")
    systems = _open_systems(settings, corpus, answerer, baseline=baseline, embedder=embedder,
                            log=log)  # fmt: skip
    answer_split = "dev" if split == "dev" else "test"
    every = load_queries(queries)
    records, pool = in_split(every, split), in_split(every, answer_split)
    if limit:
        records, pool = records[:limit], pool[:limit]
    summary: dict[str, Any] = {
        "date": now(), "command": command, "corpus": str(corpus), "queries": str(queries),
        "split": split, "answer_split": answer_split, "ingest": ingest_info,
        "chunk_words": {s.name: s.chunk_words() for s in systems},
    }  # fmt: skip
    run = _Run(out_dir, systems, summary, str(queries), command, progress)
    if not answers_only:
        summary["retrieval"] = run.retrieval(records)
    if not retrieval_only:
        summary |= run.answers(pool, answerer=answerer, sample=sample, seed=seed,
                               baseline_sample=baseline_sample)  # fmt: skip
    summary["errors"] = sum(
        summary.get(p, {}).get("errors", 0) for p in ("retrieval", "answers", "answers_vs_baseline")
    )
    write_results(summary, out_dir)
    (out_dir / "report.md").write_text(summary_markdown(summary), encoding="utf-8")
    return summary


def _open_systems(
    settings: Any,
    corpus: str | Path,
    answerer: str,
    *,
    baseline: bool,
    embedder: Any,
    log: Callable[[str], None],
) -> list[System]:
    """Newsdesk over ``settings.collection``; with ``baseline`` the LangChain baseline's own
    store of the corpus next to it."""
    from eval.baseline import open_baseline
    from qa.assistant import Assistant

    assistant = Assistant(settings, embedder=embedder)
    systems: list[System] = [NewsdeskSystem(assistant, answerer)]
    if baseline:
        t0 = time.perf_counter()
        bl = open_baseline(settings, [corpus], answerer)
        log(f"baseline store ready in {time.perf_counter() - t0:.0f} s ({bl.rag.count()} chunks)")
        systems.append(bl)
    return systems


class _Run:
    """The evaluation passes of one MultiHop-RAG run, each written to its own folder."""

    def __init__(
        self,
        out_dir: Path,
        systems: list[System],
        summary: dict[str, Any],
        queries: str,
        command: str,
        progress: bool,
    ) -> None:
        self.out_dir, self.systems, self.summary = out_dir, systems, summary
        self.queries, self.command, self.progress = queries, command, progress

    def _write(self, results: dict[str, Any], where: Path, title: str) -> None:
        results["chunk_words"] = self.summary["chunk_words"]
        write_results(results, where)
        write_reports(results, where, title, self.command)

    def retrieval(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Step 2: retrieval only, on every query of the split; what the summary keeps."""
        where = self.out_dir / "retrieval"
        retr = evaluate(records, self.systems, where, retrieval_only=True,
                        progress=self.progress, keep_text=False)  # fmt: skip
        retr["config"] = {"date": self.summary["date"], "gold": self.queries, "answerer": "-"}
        self._write(retr, where, "MultiHop-RAG retrieval")
        return {
            "run": len(records),
            "scored": sum(1 for r in records if r["facts"]),
            "aggregate": retr["aggregate"],
            "systems": retr["systems"],
            "dir": str(where),
            "errors": retr["errors"],
        }

    def answers(
        self,
        pool: list[dict[str, Any]],
        *,
        answerer: str,
        sample: int,
        seed: int,
        baseline_sample: int | None,
    ) -> dict[str, Any]:
        """Step 3: answers on a stratified ``sample`` of ``pool`` (the baseline on its first
        ``baseline_sample`` only, next to Newsdesk's answers from the cache); the summary's
        answer parts."""
        from eval.commands import now

        picked = stratified_sample(pool, sample, seed)
        random.Random(seed).shuffle(picked)  # any prefix of a stopped run is a fair mix
        systems = self.systems
        answerers = systems[:1] if baseline_sample and len(systems) > 1 else systems
        where = self.out_dir / "answers"
        ans = evaluate(picked, answerers, where, retrieval_only=False, progress=self.progress)
        ans["config"] = {"date": now(), "gold": self.queries, "answerer": answerer,
                         "sample": sample, "seed": seed}  # fmt: skip
        self._write(ans, where, "MultiHop-RAG answers (sample)")
        parts = {"answers": _part(ans, len(picked), seed, where)}
        if answerers is not systems:  # the baseline on a prefix, Newsdesk from the cache
            prefix = picked[:baseline_sample]
            paired = self.out_dir / "answers-vs-baseline"
            pair = evaluate(prefix, systems, paired, retrieval_only=False,
                            progress=self.progress, cache_path=where / "cache.jsonl")  # fmt: skip
            pair["config"] = {**ans["config"], "sample": len(prefix)}
            self._write(pair, paired, "MultiHop-RAG answers, Newsdesk vs baseline")
            parts["answers_vs_baseline"] = _part(pair, len(prefix), seed, paired)
        return parts


def _part(results: dict[str, Any], n: int, seed: int, where: Path) -> dict[str, Any]:
    """What the summary keeps of one answer evaluation."""
    return {
        "n": n,
        "seed": seed,
        "aggregate": results["aggregate"],
        "systems": results["systems"],
        "dir": str(where),
        "errors": results["errors"],
    }
