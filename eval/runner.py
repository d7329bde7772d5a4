"""Run a gold set through Newsdesk (and the baseline), score it, and write the reports.

Every system answers the same questions in the same run. A multi-turn record (one turn of a
conversation) asks each of its ``turns`` in order, feeding the system's own earlier answers
back as history, and scores its last turn; the earlier turns come from the cache when their
own records ran first. Answers are cached in ``<out>/cache.jsonl`` by (question, history,
system config: answerer, top_k, every setting, code version, model sha256, store
fingerprint; see ``eval.systems.answer_fingerprint``), so an interrupted run resumes and a
changed setting, model or store never reuses an old answer. Scoring is in ``eval.scoring``.

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
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eval.evidence import spans_of
from eval.scoring import aggregate, error_scores, score_answer, score_retrieval
from eval.systems import RetrievedChunk, System, SystemAnswer

K_MAX = 10
UNANSWERABLE_TYPES = frozenset({"unanswerable", "null_query"})


# -- gold records ----------------------------------------------------------------------------


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    """Gold records from a JSONL file, normalised (see :func:`normalize_record`)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [normalize_record(json.loads(line)) for line in lines if line.strip()]


def normalize_record(rec: dict[str, Any]) -> dict[str, Any]:
    """Add ``turns`` (the conversation up to and including the question), ``facts`` (gold
    evidence strings) and ``unanswerable`` (type unanswerable/null_query, or no gold answers).
    """
    out = dict(rec)
    out["type"] = str(rec.get("type") or rec.get("question_type") or "all")
    out["turns"] = list(rec.get("turns") or [rec["question"]])
    out["answers"] = list(rec.get("answers") or ([rec["answer"]] if rec.get("answer") else []))
    out["docs"] = [str(d) for d in rec.get("docs") or []]
    evidence = rec.get("evidence")
    if isinstance(evidence, str):
        out["facts"] = [evidence] if evidence.strip() else []
    else:  # MultiHop-RAG's {"fact": ...} or the gold set's spans {"text": ..., "start": ...}
        out["facts"] = [e.get("fact") or e.get("text") for e in spans_of(rec)]
        out["facts"] = [f for f in out["facts"] if f]
    out["unanswerable"] = out["type"] in UNANSWERABLE_TYPES or not out["answers"]
    return out


#: How the questions are typed: as the gold set writes them; in lowercase without the final
#: question mark (as many readers type on a phone); or each wh-question behind "Can you tell
#: me" ("Can you tell me who blamed Russia?").
TYPINGS = ("as-written", "lowercase", "indirect")

_WH = re.compile(r"(who|whom|whose|what|which|when|where|why|how)\b", re.I)


def as_typed(rec: dict[str, Any], typed: str) -> dict[str, Any]:
    """A normalised record with its question and every turn typed the ``typed`` way.

    >>> as_typed({"question": "Who is Churkin?", "turns": ["Who is Churkin?"]}, "lowercase")
    {'question': 'who is churkin', 'turns': ['who is churkin']}
    >>> as_typed({"question": "Who went?", "turns": ["Did he?", "Who went?"]}, "indirect")["turns"]
    ['Did he?', 'Can you tell me who went?']
    """
    if typed not in TYPINGS:
        raise ValueError(f"unknown typing '{typed}': use {', '.join(TYPINGS)}")
    if typed == "as-written":
        return rec

    def retyped(text: str) -> str:
        if typed == "lowercase":
            return text.strip().rstrip("?").rstrip().lower()
        return f"Can you tell me {text[0].lower()}{text[1:]}" if _WH.match(text) else text

    return {
        **rec,
        "question": retyped(rec["question"]),
        "turns": [retyped(t) for t in rec["turns"]],
    }


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
        if got.get("spans") is not None:
            got["spans"] = [tuple(c) for c in got["spans"]]
        return SystemAnswer(**got)

    def put(self, key: str, answer: SystemAnswer) -> None:
        """Store and append one answer (flushed at once)."""
        self.misses += 1
        data = dataclasses.asdict(answer)
        self.entries[key] = data
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"key": key, "answer": data}) + "\n")


# -- running ---------------------------------------------------------------------------------


def _chunks_json(chunks: Sequence[RetrievedChunk], with_text: bool) -> list[dict[str, Any]]:
    return [
        {"rank": c.rank, "chunk_id": c.chunk_id, "keys": c.keys, "score": round(c.score, 6)}
        | ({"text": c.text} if with_text else {"words": c.words})
        for c in chunks
    ]


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
        "outcome": ans.outcome,
        "model_ran": ans.model_ran,
        "history": history[:-2],
        "ranked_chunks": _chunks_json(chunks, False),
        "scores": scores,
    }


def evaluate(
    records: Sequence[dict[str, Any]],
    systems: Sequence[System],
    out_dir: str | Path,
    *,
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
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cache = AnswerCache(cache_path or out / "cache.jsonl")
    rows: list[dict[str, Any]] = []
    errors = 0
    bar = _progress_bar(progress)
    with bar:
        task = bar.add_task("evaluating", total=len(records) * len(systems))
        for rec in records:
            row = _question_row(rec)
            for system in systems:
                bar.update(task, description=f"{system.name} {rec['id']}")
                result, error = _run_recorded(system, rec, cache, retrieval_only, keep_text)
                row["systems"][system.name] = result
                if error:  # recorded, reported, and the run goes on
                    errors += 1
                    if on_error:
                        on_error(error)
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


def _progress_bar(progress: bool) -> Any:
    """A rich progress bar on stderr (disabled unless ``progress``)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not progress,
    )


def _question_row(rec: dict[str, Any]) -> dict[str, Any]:
    """The part of a results row that describes the question (the systems fill the rest)."""
    row = {k: rec[k] for k in ("id", "type", "question", "turns", "answers", "docs")}
    row["unanswerable"] = rec["unanswerable"]
    row["conversation"] = rec.get("conversation")
    row["wh"] = rec.get("wh")  # who/what/when/where/why/how of a "wh" record
    row["systems"] = {}
    return row


def _run_recorded(
    system: System,
    rec: dict[str, Any],
    cache: AnswerCache,
    retrieval_only: bool,
    keep_text: bool,
) -> tuple[dict[str, Any], str | None]:
    """:func:`run_one` and no error; or an exception recorded as the result (counted as a
    wrong answer and a miss) and its one-line message."""
    try:
        return run_one(system, rec, cache, retrieval_only, keep_text), None
    except Exception as exc:
        msg = f"{system.name} {rec['id']}: {type(exc).__name__}: {exc}"
        only = retrieval_only or not getattr(system, "answers", True)
        return {"error": msg, "outcome": "" if only else "error", "refused": False,
                "scores": error_scores(only)}, msg  # fmt: skip


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
