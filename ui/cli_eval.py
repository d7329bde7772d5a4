"""``newsdesk eval``, ``eval-multihop`` and ``eval-rgb``: score the system against gold answers."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ui.cli_common import _assistant, _data_errors, _fail, _settings, console


def eval_gold(
    gold: Path = typer.Argument(..., help="Gold JSONL (e.g. eval/gold/dev.jsonl)."),
    answerer: str | None = typer.Option(None, help="local, openai or extractive."),
    collection: str | None = typer.Option(None, help="Collection name."),
    limit: int | None = typer.Option(None, help="Only the first N questions (after --sample)."),
    sample: int | None = typer.Option(None, help="A stratified sample of N questions."),
    seed: int = typer.Option(0, help="Seed of --sample."),
    retrieval_only: bool = typer.Option(False, "--retrieval-only", help="Score retrieval only."),
    out_dir: Path | None = typer.Option(
        None, "--out", help="Output dir (default: eval/runs/GOLD-ANSWERER)."
    ),
    baseline: bool = typer.Option(False, "--baseline", help="Also run the LangChain baseline."),
    typed: str = typer.Option(
        "as-written",
        help="as-written; lowercase: every question in lowercase without its question mark; "
        "indirect: every wh-question behind 'Can you tell me'.",
    ),
) -> None:
    """Score a gold set: results.json, report.md, report.png (cached, resumable)."""
    from eval.commands import run_gold_eval
    from eval.runner import TYPINGS

    if not gold.is_file():
        _fail(f"no gold file at {gold}", 2)
    if typed not in TYPINGS:
        _fail(f"unknown --typed '{typed}': use {', '.join(TYPINGS)}", 2)
    settings = _settings(collection=collection)
    with _data_errors():
        results, where = run_gold_eval(
            gold,
            settings,
            answerer=answerer,
            limit=limit,
            sample=sample,
            seed=seed,
            retrieval_only=retrieval_only,
            out=out_dir,
            baseline=baseline,
            assistant=_assistant(settings),
            command="newsdesk " + " ".join(sys.argv[1:]),
            on_error=lambda msg: console.print(f"[red]error:[/] {msg}", highlight=False),
            typed=typed,
        )
    console.print(f"wrote {where}/results.json, report.md, report.png", highlight=False)
    if results["errors"]:
        _fail(f"{results['errors']} question(s) failed; see {where}/results.json")


def eval_multihop(
    corpus: Path = typer.Option(..., help="MultiHop-RAG corpus.jsonl (read, never copied)."),
    queries: Path = typer.Option(..., help="MultiHop-RAG queries.jsonl."),
    collection: str = typer.Option("multihop", help="Collection to ingest into and query."),
    retrieval_only: bool = typer.Option(False, "--retrieval-only", help="Skip the answers."),
    sample: int = typer.Option(200, help="Questions answered (stratified by type)."),
    seed: int = typer.Option(0, help="Seed of the answer sample."),
    answerer: str = typer.Option("local", help="local, openai or extractive."),
    out_dir: Path | None = typer.Option(
        None, "--out", help="Output dir (default: eval/runs/multihop)."
    ),
    limit: int | None = typer.Option(None, help="Only the first N queries (quick checks)."),
    no_baseline: bool = typer.Option(False, "--no-baseline", help="Skip the baseline."),
    baseline_sample: int | None = typer.Option(
        None,
        min=1,
        help="The baseline answers only the first N of the sample (it is slow; "
        "--no-baseline for none).",
    ),
    answers_only: bool = typer.Option(
        False, "--answers-only", help="Skip the retrieval pass over all queries."
    ),
    split: str = typer.Option(
        "dev",
        help="dev (tune here), test (report) or all; the answer sample is from test unless dev.",
    ),
) -> None:
    """MultiHop-RAG: retrieval on all queries, answers on a sample, vs baseline and paper."""
    from eval.multihop import run_multihop

    for path in (corpus, queries):
        if not path.is_file():
            _fail(f"no file at {path}", 2)
    if split not in ("dev", "test", "all"):
        _fail(f"unknown split '{split}': use dev, test or all", 2)
    settings = _settings(collection=collection)
    where = out_dir or Path(__file__).resolve().parent.parent / "eval" / "runs" / "multihop"
    with _data_errors():
        summary = run_multihop(
            corpus,
            queries,
            settings,
            where,
            answerer=answerer,
            retrieval_only=retrieval_only,
            sample=sample,
            seed=seed,
            baseline=not no_baseline,
            baseline_sample=baseline_sample,
            limit=limit,
            answers_only=answers_only,
            split=split,
            command="newsdesk " + " ".join(sys.argv[1:]),
            log=lambda msg: console.print(msg, highlight=False),
        )
    console.print(f"wrote {where}/report.md", highlight=False)
    if summary["errors"]:
        _fail(f"{summary['errors']} question(s) failed; see {where}")


def eval_rgb(
    data: Path = typer.Option(..., help="RGB en_fact.jsonl (read, never copied)."),
    answerer: str = typer.Option("local", help="local, openai or extractive."),
    limit: int | None = typer.Option(None, help="Only the first N questions (after --skip)."),
    skip: int = typer.Option(0, min=0, help="Leave out the first N (30: the dev slice)."),
    no_baseline: bool = typer.Option(False, "--no-baseline", help="Skip the baseline."),
    out_dir: Path | None = typer.Option(None, "--out", help="Output dir (default: eval/runs/rgb)."),
) -> None:
    """RGB counterfactual/negative: how often each system answers unsupported questions."""
    from eval.rgb import run_rgb

    if not data.is_file():
        _fail(f"no file at {data}", 2)
    where = out_dir or Path(__file__).resolve().parent.parent / "eval" / "runs" / f"rgb-{answerer}"
    with _data_errors():
        results = run_rgb(
            data, _settings(), where, answerer=answerer, baseline=not no_baseline, limit=limit,
            skip=skip,
            command="newsdesk " + " ".join(sys.argv[1:]),
            log=lambda msg: console.print(msg, highlight=False),
        )  # fmt: skip
    console.print(f"wrote {where}/report.md", highlight=False)
    errors = sum(c["errors"] for s in results["summary"].values() for c in s.values())
    if errors:
        _fail(f"{errors} answer(s) failed; see {where}/results.json")


def eval_compare(
    before: Path = typer.Argument(..., help="The first run: its --out directory or results.json."),
    after: Path = typer.Argument(..., help="The second run, on the same gold set."),
    system: str = typer.Option("newsdesk", help="Which system's answers: newsdesk or baseline."),
    ids: bool = typer.Option(False, "--ids", help="List the questions that turned (dev runs)."),
) -> None:
    """Two runs question by question: gained, lost, and whether the change shows (paired test)."""
    from eval.compare import RunError, compare, load_run, render

    try:
        table = render(compare(load_run(before), load_run(after), system=system), ids=ids)
    except RunError as exc:
        _fail(str(exc), 2)
    console.print(table, highlight=False, markup=False, soft_wrap=True)
