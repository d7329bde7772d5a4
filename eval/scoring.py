"""Per-question scores and their aggregates: every question counted, every outcome shown.

* **Answers.** ``accuracy`` = the normalised answer contains a gold alias (a bare Yes/No gold is
  scored by the answer's own verdict, its first word); a refusal scores 0 on an answerable
  question and 1 on an unanswerable one.
* **Citations vs gold evidence.** A citation is correct when its quoted span (doc + start/end
  in the cleaned article) overlaps a gold evidence span. ``citation_precision`` = correct
  citations / citations; ``citation_recall`` = gold spans overlapped by some citation / gold
  spans. Both only for answered questions with gold evidence (NaN otherwise).
* **Self-consistency** (``self_consistency_recall``/``_precision``): the old ALCE-style check by
  the project's own lexical support checker, the same test that chose the citations, so it is
  high by construction; kept for comparison, never as evidence of correctness.
* **Errors** count in every denominator: an errored question scores 0 on every answer and
  retrieval metric, is not a refusal, and has outcome ``error``.
* **First-token latency** only over questions where the model ran (see :func:`model_ran`).

Example:
    >>> verdict_match("Yes [1]", ["yes"]), verdict_match("No, it says there is no truce", ["Yes"])
    (1.0, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from eval import metrics as m
from eval.evidence import gold_spans, is_verdict_gold, overlaps
from eval.systems import RetrievedChunk, SystemAnswer

DOC_KS = (1, 4, 10)
ANSWER_KEYS = ("accuracy", "em", "f1", "lenient", "refusal_correct")
RETRIEVAL_KEYS = ("doc_recall@1", "doc_recall@4", "doc_recall@10", "doc_mrr@10",
                  "chunk_hits@4", "chunk_hits@10", "chunk_mrr@10", "chunk_map@10")  # fmt: skip


def verdict_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the answer's first word is the gold verdict (yes/no), else 0.0."""
    words = m.normalize_answer(prediction).split()
    gold = m.normalize_answer(golds[0]) if golds else ""
    return float(bool(words) and words[0] == gold)


def judge(sentence: str, passage: str) -> bool:
    """The self-consistency judge: the project's lexical support checker ≥ SUPPORTED."""
    from qa.citations import SUPPORTED
    from qa.support import support

    return support(sentence, passage) >= SUPPORTED


def citation_vs_gold(
    cited: Sequence[tuple[str, str, int, int]], rec: dict[str, Any]
) -> tuple[float, float]:
    """(precision, recall) of cited spans ``(doc_id, file, start, end)`` against gold evidence.

    >>> rec = {"evidence": [{"doc_id": "d", "file": "f.txt", "start": 0, "end": 10},
    ...                     {"doc_id": "e", "file": "g.txt", "start": 5, "end": 9}]}
    >>> citation_vs_gold([("d", "f.txt", 8, 20), ("d", "f.txt", 30, 40)], rec)
    (0.5, 0.5)
    """
    gold = gold_spans(rec)
    if not gold:
        return m.NAN, m.NAN

    def hits(c: tuple[str, str, int, int], g: tuple[set[str], int, int]) -> bool:
        key = next((k for k in (c[0], c[1]) if k in g[0]), None)
        return key is not None and overlaps((key, c[2], c[3]), (key, g[1], g[2]))

    precision = sum(any(hits(c, g) for g in gold) for c in cited) / len(cited) if cited else m.NAN
    recall = sum(any(hits(c, g) for c in cited) for g in gold) / len(gold)
    return precision, recall


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
    """Answer, refusal and citation scores of one final answer."""
    golds = rec["answers"]
    if rec["unanswerable"] or ans.refused:
        ok = float(ans.refused and rec["unanswerable"])
        scores = {"accuracy": ok, "em": ok, "f1": ok, "lenient": ok}
    elif is_verdict_gold(golds):
        ok = verdict_match(ans.text, golds)
        scores = {"accuracy": ok, "em": ok, "f1": ok, "lenient": ok}
    else:
        scores = {
            "accuracy": m.contains_answer(ans.text, golds),
            "em": m.exact_match(ans.text, golds),
            "f1": m.token_f1(ans.text, golds),
            "lenient": max((m.upstream_lenient(ans.text, g) for g in golds), default=0.0),
        }
    reachable = not rec["unanswerable"] and not is_verdict_gold(golds) and ans.context is not None
    scores["answer_in_prompt"] = m.contains_answer(ans.context or "", golds) if reachable else m.NAN
    scores["refused"] = float(ans.refused)
    scores["refusal_correct"] = float(ans.refused == rec["unanswerable"])
    cited = ans.cited if not ans.refused else None
    scores["self_consistency_recall"] = m.NAN if cited is None else m.citation_recall(cited, judge)
    scores["self_consistency_precision"] = (
        m.NAN if cited is None else m.citation_precision(cited, judge)
    )
    answered = not ans.refused and not rec["unanswerable"] and ans.spans is not None
    precision, recall = citation_vs_gold(ans.spans or [], rec) if answered else (m.NAN, m.NAN)
    scores["citation_precision"], scores["citation_recall"] = precision, recall
    for name in ("total", "first_token", "retrieve"):
        scores[f"latency_{name}_ms"] = float(ans.timings_ms.get(name, m.NAN))
    return scores


def error_scores(retrieval_only: bool) -> dict[str, float]:
    """The scores of a question whose run raised: 0 on everything it would have been scored on."""
    keys = RETRIEVAL_KEYS if retrieval_only else (*ANSWER_KEYS, *RETRIEVAL_KEYS)
    return {k: 0.0 for k in keys} | ({} if retrieval_only else {"refused": 0.0})


def _sys(row: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(row["systems"].get(name) or {"error": "not run", "scores": {}})


def _outcomes(rows: Sequence[dict[str, Any]], name: str) -> dict[str, Any]:
    """Count and accuracy per outcome, the model-written share of correct answers, refusal P/R."""
    pairs = [
        (str(_sys(r, name).get("outcome") or ""), _sys(r, name)["scores"].get("accuracy", m.NAN))
        for r in rows
    ]
    by_outcome = {
        o: {
            "n": sum(1 for p, _ in pairs if p == o),
            "accuracy": m.mean(a for p, a in pairs if p == o),
        }
        for o in sorted({p for p, _ in pairs})
    }
    right = sum(a for _, a in pairs if not math.isnan(a))
    by_model = sum(a for o, a in pairs if o == "model" and not math.isnan(a))
    refused = [bool(_sys(r, name).get("refused")) for r in rows]
    return {
        "by_outcome": by_outcome,
        "model_share_of_correct": by_model / right if right else m.NAN,
        "refusal": m.refusal_scores(refused, [bool(r["unanswerable"]) for r in rows]),
    }


#: The counts of :func:`_lost`.
LOST_KEYS = ("n", "right", "wrong_in_prompt", "wrong_not_in_prompt", "unknown")


def _lost(rows: Sequence[dict[str, Any]], name: str) -> dict[str, dict[str, int]]:
    """Answerable questions, overall ("all") and by type: right, and the wrong ones split by
    whether the gold answer was in the answerer's passages (``answer_in_prompt``): in them,
    the model or the checks lost it; not in them, retrieval or the prompt's cut did;
    ``unknown`` for Yes/No golds, errors and answers without a recorded context."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        if r["unanswerable"]:
            continue
        scores = _sys(r, name)["scores"]
        reach = scores.get("answer_in_prompt", m.NAN)
        if scores.get("accuracy") == 1.0:
            key = "right"
        elif reach is None or math.isnan(reach):
            key = "unknown"
        else:
            key = "wrong_in_prompt" if reach == 1.0 else "wrong_not_in_prompt"
        for group in ("all", str(r["type"])):
            counts = out.setdefault(group, dict.fromkeys(LOST_KEYS, 0))
            counts["n"] += 1
            counts[key] += 1
    return out


def _conversations(rows: Sequence[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """Share of conversations whose every turn is right (None without conversations)."""
    convs: dict[str, list[float]] = {}
    for r in rows:
        if r.get("conversation"):
            acc = _sys(r, name)["scores"].get("accuracy", m.NAN)
            convs.setdefault(str(r["conversation"]), []).append(acc)
    if not convs:
        return None
    ok = [all(a == 1.0 for a in accs) for accs in convs.values()]
    return {"n": len(ok), "all_turns_right": sum(ok) / len(ok)}


def aggregate(rows: Sequence[dict[str, Any]], name: str) -> dict[str, Any]:
    """Means overall, by type and by outcome; refusal P/R; conversations; latency (one system).

    Every row counts, errored ones included (their scores are :func:`error_scores`).
    """
    rows = [r for r in rows if name in r["systems"]]
    keys = sorted({k for r in rows for k in _sys(r, name)["scores"]})

    def means(subset: Sequence[dict[str, Any]]) -> dict[str, float]:
        out = {k: m.mean(_sys(r, name)["scores"].get(k, m.NAN) for r in subset) for k in keys}
        return {"n": len(subset), **out}

    types = sorted({r["type"] for r in rows})
    result: dict[str, Any] = {
        "overall": means(rows),
        "answerable": means([r for r in rows if not r["unanswerable"]]),
        "by_type": {t: means([r for r in rows if r["type"] == t]) for t in types},
        "by_wh": {
            w: means([r for r in rows if r.get("wh") == w])
            for w in sorted({str(r["wh"]) for r in rows if r.get("wh")})
        },
        "errors": sum(1 for r in rows if "error" in _sys(r, name)),
    }
    if "accuracy" in keys:
        result |= _outcomes(rows, name)
        result["lost"] = _lost(rows, name)
        conversations = _conversations(rows, name)
        if conversations:
            result["conversations"] = conversations
    done = [r for r in rows if "error" not in _sys(r, name)]
    ran = [r for r in done if _sys(r, name).get("model_ran")]
    result["latency"] = {
        k: m.percentiles(_sys(r, name)["scores"].get(f"latency_{k}_ms", m.NAN) for r in subset)
        for k, subset in (("total", done), ("first_token", ran), ("retrieve", done))
    }
    words = [c["words"] for r in done for c in _sys(r, name).get("ranked_chunks", [])]
    words += [
        c.get("words", len(c.get("text", "").split()))
        for r in done
        for c in _sys(r, name).get("retrieved", [])
    ]
    result["retrieved_chunk_words"] = m.mean(words)
    return result
