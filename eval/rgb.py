"""RGB (English counterfactual subset): does the system answer when its passages don't support it?

    newsdesk eval-rgb --data ../shared/bench/rgb_en_fact/en_fact.jsonl --answerer local

Each of the 100 questions is asked twice, each time over the passages RGB gives and nothing
else, through Newsdesk's own answering path and through the LangChain baseline:

* ``counterfactual``: the ``positive_wrong`` snippets, edited to state a false answer
  (``fakeanswer``). They do not support the true answer; repeating the fake one is the failure.
* ``negative``: the ``negative`` snippets only, on topic but without the answer. Any answer is
  unsupported; the right behaviour is to refuse.

Newsdesk answers from a store built for that question alone: the snippets go through the
ingest pipeline (one article per snippet) into their own collection of a scratch embedded
Chroma, and ``Assistant.ask`` answers as it does for any user. The baseline embeds the same
snippets into its own in-memory Chroma and answers with the textbook chain (top 4). Reported
per system and condition: answered (not refused), answered with the fake answer, answered
with the true answer, refused, errors; and Newsdesk's outcomes. The data is CC BY-NC-SA:
it is read from its path, never copied into the repository.

Example:
    >>> rec = {"id": 3, "query": "Who?", "answer": ["A", "a b"], "fakeanswer": "C",
    ...        "positive_wrong": ["C did it."], "negative": ["Nothing here."]}
    >>> [(c, p) for c, p in conditions(rec)]
    [('counterfactual', ['C did it.']), ('negative', ['Nothing here.'])]
    >>> golds(rec)
    ['A', 'a b']
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from eval import metrics as m
from eval.dates import states_date
from eval.runner import AnswerCache, write_results
from eval.systems import SystemAnswer, answer_fingerprint, code_version

CONDITIONS = ("counterfactual", "negative")


def load_rgb(path: str | Path) -> list[dict[str, Any]]:
    """The records of ``en_fact.jsonl`` (JSON Lines despite RGB's ``.json`` name)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def golds(rec: dict[str, Any]) -> list[str]:
    """The acceptable true answers (RGB gives a string or a list)."""
    answer = rec["answer"]
    flat: list[str] = []
    for a in answer if isinstance(answer, list) else [answer]:
        flat += [str(x) for x in a] if isinstance(a, list) else [str(a)]
    return flat


def conditions(rec: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """(condition, passages) for the counterfactual and the negative condition."""
    yield "counterfactual", list(rec.get("positive_wrong") or [])
    yield "negative", list(rec.get("negative") or [])


def states_answer(text: str, answers: Sequence[str]) -> bool:
    """``text`` states one of the answers: RGB's spellings (the contains rule), or a gold date
    written another way ("Thursday, Nov. 12" for "November 12, 2020"; see eval/dates.py)."""
    return m.contains_answer(text, answers) == 1.0 or states_date(text, answers)


def snippets_state_answer(passages: Sequence[str], rec: dict[str, Any]) -> bool:
    """Some of the condition's snippets state the true answer after all (RGB built its negatives
    by string matching, so a date written another way slips through)."""
    return any(states_answer(p, golds(rec)) for p in passages)


def classify(ans: SystemAnswer, rec: dict[str, Any]) -> dict[str, float]:
    """answered / fake / true / true in any spelling / refused for one answer (1.0 or 0.0)."""
    answered = not ans.refused and bool(ans.text.strip())
    fake = answered and m.contains_answer(ans.text, [str(rec["fakeanswer"])]) == 1.0
    true = answered and m.contains_answer(ans.text, golds(rec)) == 1.0
    true_any = answered and states_answer(ans.text, golds(rec))
    return {"answered": float(answered), "fake": float(fake), "true": float(true),
            "true_any": float(true_any), "refused": float(not answered)}  # fmt: skip


class NewsdeskOverPassages:
    """Newsdesk's answering path over a store holding only the given passages."""

    name, label = "newsdesk", "Newsdesk"

    def __init__(self, settings: Any, answerer: str, embedder: Any, scratch: Path) -> None:
        self.settings, self.answerer, self.embedder, self.scratch = (
            settings,
            answerer,
            embedder,
            scratch,
        )
        self.config = {"system": self.name, "answerer": answerer, "code": code_version(),
                       **answer_fingerprint(settings, None, answerer)}  # fmt: skip

    def answer(self, key: str, question: str, passages: Sequence[str]) -> SystemAnswer:
        """Ingest the passages into collection ``key`` of the scratch store, then ask."""
        from eval.systems import NewsdeskSystem
        from index.pipeline import ingest
        from qa.assistant import Assistant

        settings = self.settings.model_copy(
            update={"data_dir": self.scratch, "collection": key, "answerer": self.answerer}
        )
        src = self.scratch / f"{key}.jsonl"
        src.write_text("".join(json.dumps({"id": f"{key}-{i}", "body": p}) + "\n"
                               for i, p in enumerate(passages)), encoding="utf-8")  # fmt: skip
        ingest([src], settings, embedder=self.embedder)
        assistant = Assistant(settings, embedder=self.embedder)
        return NewsdeskSystem(assistant, self.answerer).answer(question, [])


class BaselineOverPassages:
    """The textbook chain (eval.baseline) with its own in-memory Chroma of the passages."""

    name, label = "baseline", "Baseline (LangChain)"

    def __init__(self, settings: Any, answerer: str) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        from eval.baseline import hf_embeddings

        self.embeddings = hf_embeddings()
        self.client = chromadb.EphemeralClient(ChromaSettings(anonymized_telemetry=False))
        self.settings, self.answerer = settings, answerer
        self.config = {"system": self.name, "answerer": answerer,
                       "code": code_version((Path(__file__).with_name("baseline.py"),)),
                       **answer_fingerprint(settings, None, answerer)}  # fmt: skip

    def answer(self, key: str, question: str, passages: Sequence[str]) -> SystemAnswer:
        """Embed the passages, then retrieve the top 4 and answer as the baseline does."""
        from langchain_core.documents import Document

        from eval.baseline import BaselineRAG, BaselineSystem

        rag = BaselineRAG(self.settings, self.embeddings, client=self.client, collection=key)
        docs = [Document(p, metadata={"doc_id": f"{key}-{i}"}) for i, p in enumerate(passages)]
        rag.store.add_documents(docs)
        return BaselineSystem(rag, self.answerer).answer(question, [])


def _summary(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """Per condition: the rates over all questions, and ``answered`` again over the *clean*
    ones, whose snippets do not state the true answer in any spelling (``n_clean``)."""
    out: dict[str, Any] = {}
    for cond in CONDITIONS:
        mine = [r for r in rows if r["condition"] == cond and name in r["systems"]]
        sub = [r["systems"][name] for r in mine]
        scored = [s["scores"] for s in sub]
        out[cond] = {"n": len(sub), "errors": sum(1 for s in sub if "error" in s)}
        out[cond] |= {k: m.mean(s.get(k, 0.0) for s in scored) for k in
                      ("answered", "fake", "true", "true_any", "refused")}  # fmt: skip
        clean = [r["systems"][name]["scores"] for r in mine if not r.get("snippets_state_answer")]
        out[cond] |= {"n_clean": len(clean), "answered_clean": m.mean(s["answered"] for s in clean)}
        outcomes = [s.get("outcome", "") for s in sub]
        out[cond]["outcomes"] = {o: outcomes.count(o) for o in sorted(set(outcomes)) if o}
    return out


def run_rgb(
    data: str | Path,
    settings: Any,
    out: str | Path,
    *,
    answerer: str = "local",
    baseline: bool = True,
    limit: int | None = None,
    skip: int = 0,
    embedder: Any = None,
    log: Callable[[str], None] = print,
    command: str = "",
) -> dict[str, Any]:
    """Both conditions of every question through both systems; writes results.json, report.md.

    ``skip`` leaves out the first questions: the first 30 are the reported slice, questions
    31–65 (``skip=30, limit=35``) the dev slice that refusal rules are tuned on (eval/README.md).
    An error is recorded as the question's answer (counted as answered, never dropped).
    """
    from eval.commands import now
    from index.embeddings import make_embedder

    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    recs = load_rgb(data)[skip:]
    recs = recs[:limit] if limit else recs
    data_sha = hashlib.sha256(Path(data).read_bytes()).hexdigest()[:16]
    scratch = Path(tempfile.mkdtemp(prefix="newsdesk-rgb-"))
    embedder = embedder or make_embedder(settings, threads=0)
    systems: list[Any] = [NewsdeskOverPassages(settings, answerer, embedder, scratch)]
    if baseline and answerer != "extractive":
        systems.append(BaselineOverPassages(settings, answerer))
    cache = AnswerCache(out_dir / "cache.jsonl")
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    try:
        for i, rec in enumerate(recs, start=1):
            for cond, passages in conditions(rec):
                key = f"rgb-{cond[:3]}-{int(rec['id']):03d}"
                leaky = snippets_state_answer(passages, rec)
                row: dict[str, Any] = {"id": rec["id"], "condition": cond, "answers": golds(rec),
                                       "snippets_state_answer": leaky, "systems": {}}  # fmt: skip
                for system in systems:
                    row["systems"][system.name] = _answer_recorded(
                        system, cache, rec, passages, item=key, data_sha=data_sha
                    )
                rows.append(row)
            if i % 10 == 0:
                log(f"{i}/{len(recs)} questions, {time.perf_counter() - t0:.0f} s")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results = {
        "config": {"date": now(), "data": str(data), "data_sha256_16": data_sha,
                   "answerer": answerer, "questions": len(recs), "skipped": skip,
                   "command": command},
        "summary": {s.name: _summary(rows, s.name) for s in systems},
        "labels": {s.name: s.label for s in systems},
        "seconds": round(time.perf_counter() - t0, 1),
        "questions": rows,
    }  # fmt: skip
    write_results(results, out_dir)
    (out_dir / "report.md").write_text(render(results), encoding="utf-8")
    return results


def _answer_recorded(
    system: Any,
    cache: AnswerCache,
    rec: dict[str, Any],
    passages: list[str],
    *,
    item: str,
    data_sha: str,
) -> dict[str, Any]:
    """One system's answer to one condition (``item``) of a question, cached, and its scores;
    an error is recorded as the answer and counted as answered (an error is not a refusal)."""
    cache_key = AnswerCache.key(rec["query"], [], {**system.config, "item": item,
                                                   "data": data_sha})  # fmt: skip
    try:
        ans = cache.get(cache_key)
        if ans is None:
            ans = system.answer(item, rec["query"], passages)
            cache.put(cache_key, ans)
        row = {"answer": ans.text, "outcome": ans.outcome, "scores": classify(ans, rec)}
        if ans.raw.get("draft"):  # what re-finalizing needs (python -m eval.verifier --from-run)
            row |= {"draft": ans.raw["draft"], "question": ans.standalone_question,
                    "retrieved": ans.raw.get("retrieved", [])}  # fmt: skip
        return row
    except Exception as exc:
        return {
            "error": f"{type(exc).__name__}: {exc}", "outcome": "error",
            "scores": {"answered": 1.0, "fake": 0.0, "true": 0.0, "true_any": 0.0, "refused": 0.0},
        }  # fmt: skip


def render(results: dict[str, Any]) -> str:
    """report.md: one row per system and condition."""
    cfg = results["config"]
    lines = [
        "# RGB (en_fact): answering when the passages do not support the answer",
        "",
        f"Command: `{cfg['command']}`  ",
        f"Date: {cfg['date']} · data: `{cfg['data']}` (sha256 {cfg['data_sha256_16']}…) · "
        f"questions: {cfg['questions']} (after the first {cfg.get('skipped', 0)}) · "
        f"answerer: {cfg['answerer']} · {results['seconds']} s",
        "",
        "| system | condition | n | answered (lower is better) | with the fake answer | "
        "with the true answer | … in any spelling | refused | errors | clean n | "
        "answered, clean (lower is better) | outcomes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, by_cond in results["summary"].items():
        for cond, s in by_cond.items():
            outcomes = ", ".join(f"{o} {n}" for o, n in s["outcomes"].items())
            true_any = s.get("true_any", s["true"])
            cells = (s["answered"], s["fake"], s["true"], true_any, s["refused"])
            clean = s.get("answered_clean", s["answered"])
            lines.append(
                f"| {results['labels'][name]} | {cond} | {s['n']} | "
                + " | ".join(f"{c:.3f}" for c in cells)
                + f" | {s['errors']} | {s.get('n_clean', s['n'])} | {clean:.3f} | {outcomes} |"
            )
    lines += [
        "",
        "counterfactual = RGB's `positive_wrong` snippets (edited to state `fakeanswer`); "
        "negative = its `negative` snippets (no answer in them). Neither supports the true "
        "answer, so every answer is unsupported: *answered* is the rate to drive down, "
        "*with the fake answer* counts repeated false facts, *with the true answer* answers "
        "from the model's own knowledge. An error counts as answered (never dropped). "
        "RGB checked its snippets by string matching, so some still state the true answer in "
        'another spelling ("Thursday, Nov. 12" for "November 12, 2020"): *in any spelling* '
        "also counts such dates (eval/dates.py), and *clean* leaves out the questions whose "
        "snippets state the true answer in any spelling, where answering is the right thing. "
        "RGB is CC BY-NC-SA 4.0: internal evaluation only.",
    ]
    return "\n".join(lines) + "\n"
