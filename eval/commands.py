"""The ``newsdesk eval`` job: gold JSONL → both systems → results.json, report.md, report.png.

Kept apart from ``ui/cli.py`` so the CLI stays a thin layer and tests can call it directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.report import write_reports
from eval.runner import as_typed, evaluate, load_gold, stratified_sample, write_results
from eval.systems import NewsdeskSystem, System

ROOT = Path(__file__).resolve().parent.parent


def default_out(
    gold: str | Path, answerer: str, retrieval_only: bool, typed: str = "as-written"
) -> Path:
    """``eval/runs/<gold stem>-<answerer or retrieval>[-<typed>]`` (git-ignored)."""
    mode = "retrieval" if retrieval_only else answerer
    suffix = "" if typed == "as-written" else f"-{typed}"
    return ROOT / "eval" / "runs" / f"{Path(gold).stem}-{mode}{suffix}"


def now() -> str:
    """The current UTC time, ISO-8601 to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def store_files(assistant: Any) -> list[str]:
    """The files the project's store was ingested from (what the baseline must ingest too)."""
    files = {str(d.get("file", "")) for d in assistant.store.get_docs()}
    return sorted(f for f in files if f and Path(f).exists())


def gold_records(
    gold: str | Path,
    *,
    sample: int | None,
    seed: int,
    limit: int | None,
    typed: str = "as-written",
) -> list[dict[str, Any]]:
    """The gold records to score: a ``sample`` stratified by ``type`` (fixed ``seed``),
    then the first ``limit``, their questions typed the ``typed`` way (``eval.runner.TYPINGS``)."""
    records = [as_typed(rec, typed) for rec in load_gold(gold)]
    if sample:
        records = stratified_sample(records, sample, seed)
    if limit:
        records = records[:limit]
    return records


def gold_systems(
    settings: Any,
    answerer: str,
    *,
    assistant: Any | None,
    embedder: Any | None,
    baseline: bool,
    baseline_settings: Any | None,
    baseline_dir: str | Path | None,
) -> list[System]:
    """Newsdesk, and with ``baseline`` the LangChain baseline over the store's own files."""
    from qa.assistant import Assistant

    assistant = assistant or Assistant(settings, embedder=embedder)
    systems: list[System] = [NewsdeskSystem(assistant, answerer)]
    if baseline:
        from eval.baseline import open_baseline

        files = store_files(assistant)
        if not files:
            raise RuntimeError("the baseline needs the store's source files, and none exist")
        systems.append(
            open_baseline(baseline_settings or settings, files, answerer, path=baseline_dir)
        )
    return systems


def run_gold_eval(
    gold: str | Path,
    settings: Any,
    *,
    answerer: str | None = None,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    retrieval_only: bool = False,
    out: str | Path | None = None,
    baseline: bool = False,
    baseline_settings: Any | None = None,
    baseline_dir: str | Path | None = None,
    embedder: Any | None = None,
    assistant: Any | None = None,
    progress: bool = True,
    command: str = "",
    on_error: Callable[[str], None] | None = None,
    typed: str = "as-written",
) -> tuple[dict[str, Any], Path]:
    """Score a gold set with Newsdesk (and the baseline); returns (results, out dir).

    ``sample`` draws a fixed-seed sample stratified by ``type``; ``limit`` then keeps the
    first N. The baseline is built under ``baseline_settings.data_dir`` (default: the
    project's data dir, or ``baseline_dir``) from the same files the store was ingested from.
    ``typed`` retypes every question (``eval.runner.TYPINGS``: lowercase, indirect).
    """
    answerer = answerer or settings.answerer
    records = gold_records(gold, sample=sample, seed=seed, limit=limit, typed=typed)
    out_dir = Path(out) if out else default_out(gold, answerer, retrieval_only, typed)
    systems = gold_systems(
        settings,
        answerer,
        assistant=assistant,
        embedder=embedder,
        baseline=baseline,
        baseline_settings=baseline_settings,
        baseline_dir=baseline_dir,
    )
    results = evaluate(
        records,
        systems,
        out_dir,
        retrieval_only=retrieval_only,
        progress=progress,
        on_error=on_error,
    )
    results["config"] = {
        "date": now(),
        "gold": str(gold),
        "answerer": answerer,
        "collection": settings.collection,
        "sample": sample,
        "seed": seed,
        "limit": limit,
        "typed": typed,
        "command": command,
    }
    results["chunk_words"] = {s.name: s.chunk_words() for s in systems}
    write_results(results, out_dir)
    title = f"Newsdesk evaluation: {Path(gold).name}"
    if typed != "as-written":
        title += f" (questions typed {typed})"
    write_reports(results, out_dir, title, command)
    return results, out_dir
