"""The benchmark's result tables: terminal and Markdown."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Iterator
from typing import Any

from eval.bench.common import ROOT

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


Table = tuple[str, list[str], list[list[str]]]

INGEST_ROWS = (
    ("raw_encoder_torch", "raw encoder (SentenceTransformer.encode, torch)"),
    ("newsdesk_torch", "newsdesk ingest, torch"),
    ("newsdesk_onnx", "newsdesk ingest, onnx int8"),
    ("raw_encoder_onnx", "raw encoder (onnx int8)"),
    ("langchain", "LangChain Chroma.from_documents + HuggingFaceEmbeddings"),
    ("newsdesk_torch_rebuild_cached", "newsdesk ingest --rebuild, cache warm"),
)


def tables(results: dict[str, Any]) -> Iterator[Table]:
    """(title, header, rows) for each section present in the results."""
    ing = results.get("ingest")
    if ing:
        yield from _ingest_tables(ing)
    ret = results.get("retrieval")
    if ret:
        yield from _retrieval_tables(ret)
    ans = results.get("answer")
    if ans:
        yield from _answer_tables(ans)
    st = results.get("startup")
    if st:
        yield _startup_table(st)


def _ingest_tables(ing: dict[str, Any]) -> Iterator[Table]:
    rows = []
    for corpus, row in ing.items():
        if not isinstance(row, dict) or "newsdesk_torch" not in row:
            continue
        for key, label in INGEST_ROWS:
            if key in row:
                r = row[key]
                rows.append([corpus, label, _fmt(r["chunks"]), _fmt(r["seconds"]),
                             _fmt(r["chunks_per_s"]), _fmt(r["articles_per_s"]),
                             _fmt(r.get("tokens_per_s")), _fmt(r.get("chunks_per_cpu_s")),
                             _fmt(r.get("articles_per_cpu_s")),
                             _fmt(r["load"][0])])  # fmt: skip
    yield "Ingest", ["corpus", "what", "chunks", "s", "chunks/s", "articles/s", "tokens/s",
                     "chunks/CPU-s", "articles/CPU-s", "load"], rows  # fmt: skip
    rows = [
        [corpus, k, _fmt(v)]
        for corpus, row in ing.items()
        if isinstance(row, dict)
        for k, v in row.get("ratios", {}).items()
    ]
    yield "Ingest ratios", ["corpus", "ratio", "value"], rows


def _retrieval_tables(ret: dict[str, Any]) -> Iterator[Table]:
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


def _startup_table(st: dict[str, Any]) -> Table:
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
    return "Start-up", ["command", "s", "peak RSS MB", "heavy imports"], rows


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


def _answer_tables(ans: dict[str, Any]) -> Iterator[Table]:
    """The answer path: what a user waits for, next to the raw model speed of the same run."""
    cpu = ans.get("cpu", {})
    raw = ans.get("local", {}).get("raw_model", {})
    where = (
        f"{cpu.get('model', '?')}, {cpu.get('cores', '?')} cores, {' '.join(cpu.get('flags', []))}"
    )
    if raw:
        where += (
            f"; llama.cpp raw: prompt {raw['prompt_tok_s']} tok/s, "
            f"generation {raw['gen_tok_s']} tok/s, {raw['threads']} threads"
        )
    rows = []
    for name in ("local", "extractive"):
        r = ans.get(name)
        if not r:
            continue
        rows.append(
            [
                name,
                _fmt(r["sources_s"].get("p50")),
                _fmt(r.get("first_token_s", {}).get("p50")),
                _fmt(r["total_s"].get("p50")),
                _fmt(r["total_s"].get("p95")),
                _fmt(r.get("follow_up_total_s", {}).get("p50")),
                _fmt(r.get("model_tokens", {}).get("p50")),
                _fmt(r.get("cached_tokens", {}).get("p50")),
                f"{r.get('right', '?')}/{r['questions']}",
                ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items())),
                _fmt(r["load"][0]),
            ]
        )
    yield (
        f"Answering ({ans['questions']} gold questions; {where})",
        ["answerer", "sources p50 s", "first token p50 s (model ran)", "total p50 s",
         "total p95 s", "follow-up total p50 s", "model tokens p50", "cached p50",
         "right (gold rule)", "outcomes", "load"],
        rows,
    )  # fmt: skip
