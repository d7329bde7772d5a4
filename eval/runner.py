"""Run a gold set through Newsdesk (and the baseline), score it, and write the reports.

Every system answers the same questions in the same run. A multi-turn record asks each of
its ``turns`` in order, feeding the system's own earlier answers back as history, and only
the last turn is scored. Answers are cached in ``<out>/cache.jsonl`` by (question, history,
system config: answerer, top_k, collection, code version), so an interrupted run resumes.

Example:
    >>> recs = [{"id": str(i), "type": "ab"[i % 2]} for i in range(10)]
    >>> [r["id"] for r in stratified_sample(recs, 4, seed=0)]
    ['1', '5', '6', '8']
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval import metrics as m
from eval.systems import RetrievedChunk, System, SystemAnswer

K_MAX = 10
DOC_KS = (1, 4, 10)
UNANSWERABLE_TYPES = frozenset({"unanswerable", "null_query"})


# -- gold records ----------------------------------------------------------------------------


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    """Gold records from a JSONL file, normalised (see :func:`normalize_record`)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [normalize_record(json.loads(line)) for line in lines if line.strip()]


def normalize_record(rec: dict[str, Any]) -> dict[str, Any]:
    """Add ``turns`` (at least the question), ``facts`` (gold evidence strings) and
    ``unanswerable`` (type unanswerable/null_query, or no gold answers).
    """
    out = dict(rec)
    out["type"] = str(rec.get("type") or rec.get("question_type") or "all")
    out["turns"] = list(rec.get("turns") or [rec["question"]])
    out["answers"] = list(rec.get("answers") or ([rec["answer"]] if rec.get("answer") else []))
    out["docs"] = [str(d) for d in rec.get("docs") or []]
    evidence = rec.get("evidence")
    if isinstance(evidence, str):
        out["facts"] = [evidence] if evidence.strip() else []
    else:
        out["facts"] = [e["fact"] for e in evidence or [] if isinstance(e, dict) and e.get("fact")]
    out["unanswerable"] = out["type"] in UNANSWERABLE_TYPES or not out["answers"]
    return out


def stratified_sample(
    records: Sequence[dict[str, Any]], n: int, seed: int = 0, key: str = "type"
) -> list[dict[str, Any]]:
    """A fixed-seed sample of ``n`` records, proportional per ``key`` (largest remainder).

    Every stratum gets at least one record when ``n`` allows; the original order is kept.
    """
    if n >= len(records):
        return list(records)
    strata: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        strata.setdefault(str(r.get(key)), []).append(i)
    quota = {s: n * len(ix) / len(records) for s, ix in strata.items()}
    take = {s: max(1 if n >= len(strata) else 0, int(q)) for s, q in quota.items()}
    by_remainder = sorted(strata, key=lambda s: (-(quota[s] - int(quota[s])), s))
    i = 0
    while sum(take.values()) < n:
        s = by_remainder[i % len(by_remainder)]
        if take[s] < len(strata[s]):
            take[s] += 1
        i += 1
    while sum(take.values()) > n:
        s = max(take, key=lambda s: take[s] - quota[s])
        take[s] -= 1
    rng = random.Random(seed)
    chosen = {i for s in sorted(strata) for i in rng.sample(strata[s], take[s])}
    return [r for i, r in enumerate(records) if i in chosen]


# -- cache -----------------------------------------------------------------------------------


class AnswerCache:
    """Answers keyed by (question, history, config), appended to a JSONL file as they come."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    rec = json.loads(line)
                    self.entries[rec["key"]] = rec["answer"]
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by an interrupted run
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(question: str, history: Sequence[dict[str, str]], config: dict[str, Any]) -> str:
        """Stable hash of the question, the history and the system config."""
        blob = json.dumps({"q": question, "h": list(history), "c": config}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def get(self, key: str) -> SystemAnswer | None:
        """The cached answer, or None."""
        got = self.entries.get(key)
        if got is None:
            return None
        self.hits += 1
        got = {**got, "cited": None if got["cited"] is None else [tuple(c) for c in got["cited"]]}
        return SystemAnswer(**got)

    def put(self, key: str, answer: SystemAnswer) -> None:
        """Store and append one answer (flushed at once)."""
        self.misses += 1
        data = dataclasses.asdict(answer)
        self.entries[key] = data
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "answer": data}) + "\n")


# -- scoring ---------------------------------------------------------------------------------


def judge(sentence: str, passage: str) -> bool:
    """The citation judge: the project's lexical support checker (not NLI) ≥ SUPPORTED."""
    from qa.citations import SUPPORTED
    from qa.support import support

    return support(sentence, passage) >= SUPPORTED


def score_retrieval(chunks: Sequence[RetrievedChunk], rec: dict[str, Any]) -> dict[str, float]:
    """Doc Recall@k/MRR@10 on gold ``docs``; chunk Hits@k/MRR@10/MAP@10 on gold ``facts``."""
    gold = set(rec["docs"])
    keys = [next((k for k in c.keys if k in gold), c.keys[0] if c.keys else "") for c in chunks]
    texts = [c.text for c in chunks]
    facts = rec["facts"]
    out = {f"doc_recall@{k}": m.doc_recall_at_k(keys, rec["docs"], k) for k in DOC_KS}
    out["doc_mrr@10"] = m.doc_mrr_at_k(keys, rec["docs"], 10)
    out["chunk_hits@4"] = m.chunk_hits_at_k(texts, facts, 4)
    out["chunk_hits@10"] = m.chunk_hits_at_k(texts, facts, 10)
    out["chunk_mrr@10"] = m.chunk_mrr_at_k(texts, facts, 10)
    out["chunk_map@10"] = m.chunk_map_at_k(texts, facts, 10)
    return out


def score_answer(ans: SystemAnswer, rec: dict[str, Any]) -> dict[str, float]:
    """Answer, refusal and citation scores of one final answer.

    Unanswerable: every answer score is 1 if refused, else 0. Answerable: a refusal scores 0
    everywhere; otherwise EM, token F1, contains-gold ("accuracy") and the upstream lenient rule.
    """
    golds = rec["answers"]
    if rec["unanswerable"]:
        ok = float(ans.refused)
        scores = {"accuracy": ok, "em": ok, "f1": ok, "lenient": ok}
    elif ans.refused:
        scores = {"accuracy": 0.0, "em": 0.0, "f1": 0.0, "lenient": 0.0}
    else:
        scores = {
            "accuracy": m.contains_answer(ans.text, golds),
            "em": m.exact_match(ans.text, golds),
            "f1": m.token_f1(ans.text, golds),
            "lenient": max((m.upstream_lenient(ans.text, g) for g in golds), default=0.0),
        }
    scores["refused"] = float(ans.refused)
    scores["refusal_correct"] = float(ans.refused == rec["unanswerable"])
    cited = ans.cited
    scores["citation_recall"] = m.NAN if cited is None else m.citation_recall(cited, judge)
    scores["citation_precision"] = m.NAN if cited is None else m.citation_precision(cited, judge)
    for name in ("total", "first_token", "retrieve"):
        scores[f"latency_{name}_ms"] = float(ans.timings_ms.get(name, m.NAN))
    return scores


def _chunks_json(chunks: Sequence[RetrievedChunk], with_text: bool) -> list[dict[str, Any]]:
    return [
        {"rank": c.rank, "chunk_id": c.chunk_id, "keys": c.keys, "score": round(c.score, 6)}
        | ({"text": c.text} if with_text else {"words": c.words})
        for c in chunks
    ]


# -- running ---------------------------------------------------------------------------------


def run_one(
    system: System,
    rec: dict[str, Any],
    cache: AnswerCache,
    retrieval_only: bool,
    keep_text: bool = True,
) -> dict[str, Any]:
    """One record through one system: its answer (unless retrieval-only) and its scores."""
    turns = rec["turns"]
    if retrieval_only or not getattr(system, "answers", True):
        t0 = time.perf_counter()
        chunks = system.retrieve(turns[-1], turns[:-1], K_MAX)
        scores = score_retrieval(chunks, rec)
        scores["latency_retrieve_ms"] = (time.perf_counter() - t0) * 1000
        return {"retrieved": _chunks_json(chunks, keep_text), "scores": scores}
    history: list[dict[str, str]] = []
    config = system.config()
    ans: SystemAnswer | None = None
    for turn in turns:
        key = AnswerCache.key(turn, history, config)
        ans = cache.get(key)
        if ans is None:
            ans = system.answer(turn, history)
            cache.put(key, ans)
        history += [
            {"role": "user", "content": turn},
            {"role": "assistant", "content": ans.history_text},
        ]
    assert ans is not None
    chunks = system.search(ans.standalone_question, K_MAX)
    scores = score_answer(ans, rec) | score_retrieval(chunks, rec)
    return {
        "answer": ans.raw,
        "answer_text": ans.text,
        "refused": ans.refused,
        "ranked_chunks": _chunks_json(chunks, False),
        "scores": scores,
    }


def evaluate(
    records: Sequence[dict[str, Any]],
    systems: Sequence[System],
    out_dir: str | Path,
    retrieval_only: bool = False,
    progress: bool = True,
    keep_text: bool = True,
    on_error: Callable[[str], None] | None = None,
    checkpoint_every: int = 10,
    cache_path: str | Path | None = None,
) -> dict[str, Any]:
    """Run every record through every system; returns ``{"questions", "aggregate", ...}``.

    Every ``checkpoint_every`` records the scores so far go to ``<out>/partial.json``, so a
    long run that is stopped still leaves numbers behind (the cache makes it resumable).
    ``cache_path`` shares one answer cache between runs (default ``<out>/cache.jsonl``).
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cache = AnswerCache(cache_path or out / "cache.jsonl")
    rows: list[dict[str, Any]] = []
    errors = 0
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not progress,
    )
    with bar:
        task = bar.add_task("evaluating", total=len(records) * len(systems))
        for rec in records:
            row = {k: rec[k] for k in ("id", "type", "question", "turns", "answers", "docs")}
            row["unanswerable"] = rec["unanswerable"]
            row["systems"] = {}
            for system in systems:
                bar.update(task, description=f"{system.name} {rec['id']}")
                try:
                    row["systems"][system.name] = run_one(
                        system, rec, cache, retrieval_only, keep_text
                    )
                except Exception as exc:  # recorded, reported, and the run goes on
                    errors += 1
                    msg = f"{system.name} {rec['id']}: {type(exc).__name__}: {exc}"
                    row["systems"][system.name] = {"error": msg, "scores": {}}
                    if on_error:
                        on_error(msg)
                bar.advance(task)
            rows.append(row)
            if checkpoint_every and len(rows) % checkpoint_every == 0 and len(rows) < len(records):
                partial = {s.name: aggregate(rows, s.name) for s in systems}
                write_results({"done": len(rows), "of": len(records), "aggregate": partial},
                              out, "partial.json")  # fmt: skip
    (out / "partial.json").unlink(missing_ok=True)
    return {
        "questions": rows,
        "aggregate": {s.name: aggregate(rows, s.name) for s in systems},
        "systems": {s.name: {"label": s.label, **s.config()} for s in systems},
        "errors": errors,
        "cache": {"hits": cache.hits, "new_answers": cache.misses},
        "retrieval_only": retrieval_only,
    }


def aggregate(rows: Sequence[dict[str, Any]], name: str) -> dict[str, Any]:
    """Means overall and by type, refusal P/R, latency p50/p95, for one system."""
    done = [r for r in rows if "error" not in r["systems"].get(name, {"error": 1})]
    keys = sorted({k for r in done for k in r["systems"][name]["scores"]})

    def means(subset: Sequence[dict[str, Any]]) -> dict[str, float]:
        out = {k: m.mean(r["systems"][name]["scores"].get(k, m.NAN) for r in subset) for k in keys}
        return {"n": len(subset), **out}

    types = sorted({r["type"] for r in done})
    result: dict[str, Any] = {
        "overall": means(done),
        "answerable": means([r for r in done if not r["unanswerable"]]),
        "by_type": {t: means([r for r in done if r["type"] == t]) for t in types},
        "errors": len(rows) - len(done),
    }
    answered = [r for r in done if "refused" in r["systems"][name]]
    if answered:
        result["refusal"] = m.refusal_scores(
            [bool(r["systems"][name]["refused"]) for r in answered],
            [bool(r["unanswerable"]) for r in answered],
        )
    result["latency"] = {
        k: m.percentiles(r["systems"][name]["scores"].get(f"latency_{k}_ms", m.NAN) for r in done)
        for k in ("total", "first_token", "retrieve")
    }
    words = [c["words"] for r in done for c in r["systems"][name].get("ranked_chunks", [])]
    words += [
        c.get("words", len(c.get("text", "").split()))
        for r in done
        for c in r["systems"][name].get("retrieved", [])
    ]
    result["retrieved_chunk_words"] = m.mean(words)
    return result


def write_results(results: dict[str, Any], out_dir: str | Path, name: str = "results.json") -> Path:
    """``results.json`` (NaN written as null)."""
    path = Path(out_dir) / name
    path.write_text(json.dumps(_nan_to_none(results), indent=1), encoding="utf-8")
    return path


def _nan_to_none(x: Any) -> Any:
    if isinstance(x, float) and x != x:
        return None
    if isinstance(x, dict):
        return {k: _nan_to_none(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_nan_to_none(v) for v in x]
    return x
