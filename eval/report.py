"""``report.md`` and ``report.png`` from the runner's results, Newsdesk next to the baseline.

Example:
    >>> fmt(0.91234), fmt(float("nan")), fmt(None), fmt(1234.5, ms=True)
    ('0.912', 'n/a', 'n/a', '1234')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.stats import wilson

CITATION_NOTE = (
    "**Citation precision / recall vs gold evidence**: a citation is correct when its quoted "
    "span (doc + start/end in the cleaned article) overlaps a gold evidence span; precision = "
    "correct citations / citations, recall = gold spans overlapped by a citation / gold spans, "
    "over answered questions that have gold evidence. **Self-consistency** is the old ALCE-style "
    "check by the project's own lexical support checker (`qa.support.support` ≥ "
    "`qa.citations.SUPPORTED`), the same test that chose the citations: high by construction, "
    "not evidence that a citation is right."
)
FIRST_TOKEN_NOTE = (
    "First token = time from the question to the first token of the answer stream. It is "
    "reported only over questions where the model ran (outcome model, model+fallback, "
    "model+turned, refused:model, or refused:verifier after a draft); refusals before any "
    "model call and extractive answers are left out (n says how many count). Multi-turn "
    "questions are asked with their history."
)
LENIENT_NOTE = (
    '"Upstream rule (lenient)" is MultiHop-RAG\'s `qa_evaluate.py`: a prediction counts as '
    "correct if it shares at least one lowercased whitespace-separated word with the gold "
    "answer. It is lenient (any shared word counts) and is reported only for comparison with "
    'published numbers; "accuracy" is the stricter answer-contains-gold rule.'
)

ANSWER_ROWS = [
    ("accuracy (answer contains gold; Yes/No by verdict; refusal on unanswerable)", "accuracy"),
    ("exact match (SQuAD-normalised)", "em"),
    ("token F1 (SQuAD)", "f1"),
    ("upstream rule (LENIENT)", "lenient"),
    ("refusal correct", "refusal_correct"),
    ("citation precision vs gold evidence", "citation_precision"),
    ("citation recall vs gold evidence", "citation_recall"),
    ("self-consistency recall (lexical checker; not independent)", "self_consistency_recall"),
    ("self-consistency precision (lexical checker; not independent)", "self_consistency_precision"),
]
RETRIEVAL_ROWS = [
    ("doc Recall@1", "doc_recall@1"),
    ("doc Recall@4", "doc_recall@4"),
    ("doc Recall@10", "doc_recall@10"),
    ("doc MRR@10", "doc_mrr@10"),
    ("chunk Hits@4 (contains gold evidence)", "chunk_hits@4"),
    ("chunk Hits@10", "chunk_hits@10"),
    ("chunk MRR@10", "chunk_mrr@10"),
    ("chunk MAP@10", "chunk_map@10"),
]


def fmt(x: Any, ms: bool = False) -> str:
    """A score with 3 decimals (or whole milliseconds); ``n/a`` for missing or NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.0f}" if ms else f"{x:.3f}"


def _delta(a: Any, b: Any) -> str:
    if fmt(a) == "n/a" or fmt(b) == "n/a":
        return "n/a"
    return f"{a - b:+.3f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _names(results: dict[str, Any]) -> list[str]:
    return list(results["aggregate"])


def _label(results: dict[str, Any], name: str) -> str:
    return str(results["systems"].get(name, {}).get("label", name))


def metric_rows(results: dict[str, Any], section: str = "overall") -> list[tuple[str, str]]:
    """The (label, key) rows that apply: answer rows only when answers were generated."""
    agg = results["aggregate"]
    have = {k for a in agg.values() for k in a.get(section, {})}
    rows = [] if results.get("retrieval_only") else ANSWER_ROWS
    return [(label, key) for label, key in [*rows, *RETRIEVAL_ROWS] if key in have]


def comparison_table(results: dict[str, Any], section: str = "overall") -> str:
    """Metric × system, with a "Newsdesk vs baseline" difference column."""
    names = _names(results)
    agg = results["aggregate"]
    header = ["metric", *[_label(results, n) for n in names], "Newsdesk vs baseline"]
    rows = []
    for label, key in metric_rows(results, section):
        vals = [agg[n].get(section, {}).get(key) for n in names]
        if "baseline" in agg and "newsdesk" in agg:
            diff = _delta(agg["newsdesk"][section].get(key), agg["baseline"][section].get(key))
        else:
            diff = "baseline not run (--baseline)"
        rows.append([label, *[fmt(v) for v in vals], diff])
    n_row = [f"n = {agg[n].get(section, {}).get('n', 0)}" for n in names]
    rows.append(["questions scored", *n_row, ""])
    return _table(header, rows)


def by_type_table(results: dict[str, Any]) -> str:
    """Main scores per question type, one column per system and metric."""
    names = _names(results)
    agg = results["aggregate"]
    keys = (
        ["doc_recall@4", "doc_mrr@10", "chunk_hits@4", "chunk_hits@10"]
        if results.get("retrieval_only")
        else [
            "accuracy",
            "answer_in_prompt",
            "f1",
            "citation_precision",
            "citation_recall",
            "doc_recall@4",
        ]
    )
    header = ["type", "n"] + [f"{k} · {_label(results, n)}" for k in keys for n in names]
    rows = []
    for section, prefix in (("by_type", ""), ("by_wh", "wh · ")):
        for t in sorted({t for n in names for t in agg[n].get(section, {})}):
            got = [agg[n].get(section, {}).get(t, {}) for n in names]
            row = [prefix + t, str(max(g.get("n", 0) for g in got))]
            row += [fmt(agg[n].get(section, {}).get(t, {}).get(k)) for k in keys for n in names]
            rows.append(row)
    return _table(header, rows)


def refusal_table(results: dict[str, Any]) -> str:
    """Refusal precision/recall (positive class: refused on an unanswerable question)."""
    rows = []
    for n in _names(results):
        r = results["aggregate"][n].get("refusal")
        if r:
            rows.append(
                [_label(results, n), fmt(r["precision"]), fmt(r["recall"]), fmt(r["f1"]),
                 str(r["tp"]), str(r["fp"]), str(r["fn"])]
            )  # fmt: skip
    header = ["system", "precision", "recall", "F1", "tp", "fp", "fn"]
    return _table(header, rows) if rows else "_no answers generated_"


def outcome_table(results: dict[str, Any]) -> str:
    """How each answer was made (``Answer.outcome``): count and accuracy, errors included."""
    names = [n for n in _names(results) if results["aggregate"][n].get("by_outcome")]
    if not names:
        return "_no answers generated_"
    outcomes = sorted({o for n in names for o in results["aggregate"][n]["by_outcome"]})
    rows = []
    for o in outcomes:
        row = [o or "(none)"]
        for n in names:
            got = results["aggregate"][n]["by_outcome"].get(o, {})
            row += [str(got.get("n", 0)), fmt(got.get("accuracy"))]
        rows.append(row)
    share = ["model-written share of correct answers"]
    for n in names:
        share += ["", fmt(results["aggregate"][n].get("model_share_of_correct"))]
    rows.append(share)
    conv = ["conversations with every turn right"]
    for n in names:
        c = results["aggregate"][n].get("conversations")
        conv += [str(c["n"]) if c else "", fmt(c["all_turns_right"]) if c else "n/a"]
    rows.append(conv)
    header = ["outcome"] + [f"{h} · {_label(results, n)}" for n in names for h in ("n", "accuracy")]
    return _table(header, rows)


INTERVAL_NOTE = (
    "95 % Wilson intervals of each share from its own count: where two runs' intervals "
    "overlap, their difference is not shown by these counts alone. Compare two runs on the "
    "same questions with `newsdesk eval-compare` (a paired test)."
)


def _counted_shares(agg: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(label, k, n) of the shares the targets are set on, from one system's aggregate."""
    sections = [("accuracy · all", agg.get("overall", {})), ("accuracy · answerable",
                agg.get("answerable", {}))]  # fmt: skip
    sections += [(f"accuracy · {t}", v) for t, v in sorted(agg.get("by_type", {}).items())]
    out = []
    for label, section in sections:
        share, n = section.get("accuracy"), int(section.get("n", 0))
        if share is None or not n or math.isnan(share):
            continue
        k = round(share * n)
        if abs(share * n - k) < 1e-6:  # a share of right/wrong questions, not a mean score
            out.append((label, k, n))
    refusal = agg.get("refusal")
    if refusal:
        tp, fp, fn = refusal["tp"], refusal["fp"], refusal["fn"]
        out += [("refusal precision", tp, tp + fp), ("refusal recall", tp, tp + fn)]
    conversations = agg.get("conversations")
    if conversations and conversations["n"]:
        n = int(conversations["n"])
        out.append(
            ("conversations, every turn right", round(conversations["all_turns_right"] * n), n)
        )
    return out


def interval_table(results: dict[str, Any]) -> str:
    """Each target share as k / n, its value and its 95 % Wilson interval, per system."""
    rows = []
    for name in _names(results):
        for label, k, n in _counted_shares(results["aggregate"][name]):
            low, high = wilson(k, n) if n else (math.nan, math.nan)
            share = k / n if n else math.nan
            rows.append([_label(results, name), label, f"{k} / {n}", fmt(share),
                         f"{fmt(low)} – {fmt(high)}"])  # fmt: skip
    if not rows:
        return "_no answers generated_"
    return _table(["system", "share", "k / n", "value", "95 % interval"], rows)


LOST_NOTE = (
    "An answerable question answered wrong is counted where it was lost: the gold answer was in "
    "the passages the answerer was given (for a model, its prompt as cut to the words budget), "
    "so the model or the checks lost it; or it was not, so retrieval or the cut did. Unknown: "
    "Yes/No golds, errors, answers cached before this was recorded."
)


def lost_table(results: dict[str, Any]) -> str:
    """Answerable questions per type: right, and wrong with or without the answer in reach."""
    rows = []
    for name in _names(results):
        lost = results["aggregate"][name].get("lost") or {}
        for group in ["all", *sorted(g for g in lost if g != "all")]:
            c = lost.get(group)
            if c:
                rows.append([_label(results, name), group, str(c["n"]), str(c["right"]),
                             str(c["wrong_in_prompt"]), str(c["wrong_not_in_prompt"]),
                             str(c["unknown"])])  # fmt: skip
    if not rows:
        return "_no answers generated_"
    header = ["system", "type", "answerable", "right", "wrong, answer in prompt",
              "wrong, answer not in prompt", "unknown"]  # fmt: skip
    return _table(header, rows)


def latency_table(results: dict[str, Any]) -> str:
    """p50/p95 of total time, time to first token and retrieval time, in milliseconds."""
    rows = []
    for n in _names(results):
        lat = results["aggregate"][n]["latency"]
        row = [_label(results, n)]
        for k in ("total", "first_token", "retrieve"):
            row += [fmt(lat[k]["p50"], ms=True), fmt(lat[k]["p95"], ms=True)]
        rows.append([*row, str(lat["first_token"].get("n", 0))])
    header = ["system", "total p50", "total p95", "first token p50", "first token p95",
              "retrieve p50", "retrieve p95", "first token n (model ran)"]  # fmt: skip
    return _table(header, rows)


def chunk_table(results: dict[str, Any]) -> str:
    """Mean words per chunk in the whole index and among the retrieved top-10."""
    rows = [
        [_label(results, n), fmt(results.get("chunk_words", {}).get(n)),
         fmt(results["aggregate"][n].get("retrieved_chunk_words"))]
        for n in _names(results)
    ]  # fmt: skip
    return _table(["system", "mean words/chunk (index)", "mean words/chunk (retrieved)"], rows)


def render_markdown(results: dict[str, Any], title: str, command: str = "", extra: str = "") -> str:
    """The whole report.md."""
    cfg = results.get("config", {})
    parts = [f"# {title}", ""]
    if Path(str(cfg.get("gold", ""))).name == "test.jsonl":
        parts += ["**Test split: a reported result. Do not tune on these questions.**", ""]
    if command:
        parts += [f"Command: `{command}`", ""]
    parts += [
        f"Date: {cfg.get('date', '')} · gold: `{cfg.get('gold', '')}` · "
        f"questions: {len(results['questions'])} · answerer: {cfg.get('answerer', '')} · "
        f"mode: {'retrieval only' if results.get('retrieval_only') else 'answers'} · "
        f"errors: {results.get('errors', 0)} · cache: {results.get('cache', {})}",
        "",
        "## Overall",
        "",
        comparison_table(results),
        "",
    ]
    if not results.get("retrieval_only"):
        parts += ["## Answerable questions only", "", comparison_table(results, "answerable"), ""]
    parts += ["## By question type", "", by_type_table(results), ""]
    if not results.get("retrieval_only"):
        parts += ["## How answers were made (outcome)", "", outcome_table(results), ""]
        parts += ["## Refusals", "", refusal_table(results), ""]
        parts += ["## Where answerable questions were lost", "", lost_table(results), ""]
        parts += [LOST_NOTE, ""]
        parts += ["## Citations", "", CITATION_NOTE, ""]
        parts += ["## How sure", "", interval_table(results), "", INTERVAL_NOTE, ""]
    parts += ["## Latency (ms)", "", latency_table(results), "", FIRST_TOKEN_NOTE, ""]
    parts += ["## Chunk size", "", chunk_table(results), ""]
    if extra:
        parts += [extra, ""]
    notes = [
        LENIENT_NOTE,
        "A refusal on an answerable question scores 0 on every answer metric; on an "
        "unanswerable question a refusal scores 1 and anything else 0. A question whose run "
        "raised an error scores 0 on every metric and stays in every denominator.",
        "Doc metrics: a retrieved chunk matches a gold doc if the gold key equals its doc_id, "
        "its external id or the file name of its source. Chunk metrics follow MultiHop-RAG's "
        "retrieval_evaluate.py (whitespace removed; relevant if the chunk contains a gold fact).",
    ]
    if "baseline" in results["aggregate"]:
        notes.append(
            "Baseline: RecursiveCharacterTextSplitter(1000, 200) + MiniLM + Chroma top-4 + the "
            "LangChain rag-prompt, same generator; it does not cite, so its citation scores "
            "are n/a. With the extractive answerer it is scored on retrieval only."
        )
    parts += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(parts)


def _bars(ax: Any, results: dict[str, Any], key: str) -> None:
    names = _names(results)
    agg = results["aggregate"]
    types = ["overall", *sorted({t for n in names for t in agg[n].get("by_type", {})})]
    width = 0.8 / max(len(names), 1)
    for i, n in enumerate(names):
        vals = [
            (agg[n]["overall"] if t == "overall" else agg[n]["by_type"].get(t, {})).get(key)
            for t in types
        ]
        ys = [0.0 if v is None or math.isnan(v) else v for v in vals]
        if any(ys):
            ax.bar([x + i * width for x in range(len(types))], ys, width, label=_label(results, n))
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(types))])
    ax.set_xticklabels(types, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"{key} by question type")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)


def render_png(results: dict[str, Any], path: str | Path) -> Path:
    """report.png: two scores by question type per system, and a latency histogram."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    retrieval_only = results.get("retrieval_only")
    keys = ("doc_recall@4", "chunk_hits@10") if retrieval_only else ("accuracy", "doc_recall@4")
    lat = "retrieve" if retrieval_only else "total"
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for ax, key in zip(axes[:2], keys, strict=True):
        _bars(ax, results, key)
    ax = axes[2]
    for n in _names(results):
        vals = [
            r["systems"][n]["scores"].get(f"latency_{lat}_ms")
            for r in results["questions"]
            if n in r["systems"]
        ]
        secs = [v / 1000 for v in vals if v is not None and not math.isnan(v)]
        if secs:
            ax.hist(secs, bins=20, alpha=0.6, label=_label(results, n))
    ax.set_title(f"latency ({lat}), seconds")
    ax.set_xlabel("s")
    ax.set_ylabel("questions")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def write_reports(
    results: dict[str, Any], out_dir: str | Path, title: str, command: str = "", extra: str = ""
) -> tuple[Path, Path]:
    """Write report.md and report.png into ``out_dir``."""
    out = Path(out_dir)
    md = out / "report.md"
    md.write_text(render_markdown(results, title, command, extra), encoding="utf-8")
    return md, render_png(results, out / "report.png")
