"""The ``newsdesk`` command line: every job of the project in one place.

Heavy libraries (torch, chromadb, gradio, llama.cpp) are imported inside the commands that
need them, so ``newsdesk --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from ui.cli_feeds import feeds_app, ingest_urls

app = typer.Typer(
    name="newsdesk",
    help="Ask questions about news articles and get answers with checked citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(feeds_app, name="feeds")
console = Console(stderr=True)
out = Console()

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


def _settings(**overrides: Any) -> Any:
    from index.settings import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)  # one line
    raise typer.Exit(code)


@app.command()
def ingest(
    paths: list[str] = typer.Argument(
        None, help="Files or folders (.txt .md .html .jsonl), or URLs: pages, feeds, sitemaps."
    ),
    collection: str | None = typer.Option(None, help="Collection name (NEWSDESK_COLLECTION)."),
    prune: bool = typer.Option(False, "--prune", help="Remove articles whose files are gone."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Delete the store and build it anew."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only print the summary."),
) -> None:
    """Load, clean, chunk and embed articles into the store (idempotent)."""
    from index.pipeline import ingest as run_ingest
    from index.store import StoreError
    from ui.progress import RichProgress, print_result

    if not paths and not prune:
        _fail("give at least one file or folder, e.g. `newsdesk ingest data/sample`", 2)
    from index.intake.service import is_url

    settings = _settings(collection=collection)
    urls = [p for p in paths or [] if is_url(p)]
    files = [Path(p) for p in paths or [] if not is_url(p)]
    failed = ingest_urls(urls, settings, quiet) if urls else 0  # pages, feeds, sitemaps
    if urls and not (files or prune or rebuild):
        raise typer.Exit(1 if failed else 0)
    try:
        with RichProgress(console) as progress:
            report = run_ingest(
                files,
                settings,
                prune=prune,
                rebuild=rebuild,
                progress=progress,
                on_result=None if quiet else lambda r: print_result(console, r),
            )
    except StoreError as exc:
        _fail(str(exc))
        return
    summary = (
        f"added {report.count('added')}, replaced {report.count('replaced')}, "
        f"unchanged {report.count('unchanged')}, removed {report.count('removed')}, "
        f"skipped {report.count('skipped')} · {report.chunks_written} chunks written"
    )
    console.print(summary, highlight=False)
    if report.skipped or failed:
        raise typer.Exit(1)


@app.command()
def stats(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    collection: str | None = typer.Option(None, help="Collection name."),
) -> None:
    """Show what the store holds."""
    from index.db import DatabaseError
    from index.intake.feeds import feeds_summary
    from index.store import Store, StoreError

    settings = _settings(collection=collection)
    try:
        info = Store(settings).stats()
        info["feeds"] = feeds_summary(settings)
    except (StoreError, DatabaseError) as exc:
        _fail(str(exc))
        return
    if as_json:
        out.print_json(json.dumps(info))
    else:
        for key, value in info.items():
            out.print(f"[bold]{key:>16}[/]  {value}", highlight=False)


def _load_history(path: Path | None) -> list[dict[str, str]]:
    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        _fail(f"cannot read the history file {path}: {exc}", 2)
    if not isinstance(data, list) or not all(
        isinstance(m, dict)
        and m.get("role") in ("user", "assistant")
        and isinstance(m.get("content"), str)
        for m in data
    ):
        _fail(
            f'{path}: expected a JSON list of {{"role": "user"|"assistant", '
            '"content": ...}} messages',
            2,
        )
    return data


def _assistant(settings: Any) -> Any:
    from index.store import StoreError
    from qa.assistant import Assistant

    try:
        return Assistant(settings)
    except StoreError as exc:
        _fail(str(exc))


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, in quotes."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
    answerer: str | None = typer.Option(None, help="local, openai or extractive."),
    top_k: int | None = typer.Option(None, "--top-k", help="Passages given to the answerer."),
    history: Path | None = typer.Option(None, help="JSON list of earlier messages."),
    collection: str | None = typer.Option(None, help="Collection name."),
) -> None:
    """Answer one question with cited passages."""
    from qa.render import print_answer

    settings = _settings(collection=collection)
    turns = _load_history(history)
    assistant = _assistant(settings)
    answer = _run(assistant, question, turns, answerer, top_k, stream=not as_json)
    if as_json:
        print(answer.model_dump_json(indent=2))
    else:
        print_answer(out, answer, streamed=True)


def _run(
    assistant: Any,
    question: str,
    turns: list[dict[str, str]],
    answerer: str | None,
    top_k: int | None,
    stream: bool,
) -> Any:
    from index.store import StoreError
    from qa.answer import Answer
    from qa.assistant import AnswererError, EmptyStoreError, QuestionError

    try:
        for item in assistant.stream(question, turns, answerer, top_k):
            if isinstance(item, Answer):
                if stream:
                    out.print()
                return item
            if stream and isinstance(item, str):
                out.print(item, end="", highlight=False, markup=False)
    except (QuestionError, EmptyStoreError, AnswererError, StoreError) as exc:
        _fail(str(exc), 2 if isinstance(exc, QuestionError) else 1)
    raise AssertionError("no answer")  # pragma: no cover


@app.command()
def chat(
    answerer: str | None = typer.Option(None, help="local, openai or extractive."),
    top_k: int | None = typer.Option(None, "--top-k", help="Passages given to the answerer."),
    collection: str | None = typer.Option(None, help="Collection name."),
) -> None:
    """Interactive multi-turn chat in the terminal (empty line or Ctrl-D to quit)."""
    from qa.render import print_answer

    assistant = _assistant(_settings(collection=collection))
    turns: list[dict[str, str]] = []
    out.print("[dim]Ask about the articles. Empty line or Ctrl-D quits; /new starts over.[/]")
    while True:
        try:
            question = input("\nyou › ").strip()
        except EOFError:
            break
        if not question:
            break
        if question == "/new":
            turns = []
            continue
        try:
            answer = _run(assistant, question, turns, answerer, top_k, stream=True)
        except typer.Exit:
            continue
        print_answer(out, answer, streamed=True)
        turns += [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.answer},
        ]


@app.command()
def delete(
    targets: list[str] = typer.Argument(..., help="Article ids (see `stats`) or file paths."),
    collection: str | None = typer.Option(None, help="Collection name."),
) -> None:
    """Remove articles, and exactly their chunks, from the store (by doc id or file)."""
    from index.store import Store, StoreError, store_errors

    settings = _settings(collection=collection)
    try:
        store = Store(settings)
        with store_errors(settings):
            docs = store.get_docs()
            for target in targets:
                path = str(Path(target).expanduser().resolve())
                found = [
                    d
                    for d in docs
                    if target in (d["doc_id"], d.get("file")) or path == d.get("file")
                ]
                if not found:
                    _fail(f"no article with id or file {target!r} in {store.location}", 2)
                for doc in found:
                    store.delete_doc(doc["doc_id"])
                    title = doc.get("title", "")
                    console.print(f"deleted {doc['doc_id']} {title}", highlight=False)
    except StoreError as exc:
        _fail(str(exc))


@app.command()
def load(
    url: str = typer.Option("http://127.0.0.1:7860", help="A running `newsdesk serve`."),
    sessions: int = typer.Option(20, help="Concurrent sessions."),
    seconds: float = typer.Option(60.0, help="How long to keep asking."),
    answerer: str | None = typer.Option(None, help="local, openai or extractive."),
    max_requests: int | None = typer.Option(None, "--max-requests", help="Request budget."),
    pid: int | None = typer.Option(None, help="The server's PID, to report its RSS."),
    out_file: Path | None = typer.Option(None, "--out", help="Write the summary as JSON."),
) -> None:
    """Load-test a running server over loopback (see eval/load.py); exit 1 on any error."""
    from eval.load import LoadError, format_summary, run_load

    try:
        summary = run_load(url, sessions, seconds, answerer, max_requests, pid, log=console.print)
    except LoadError as exc:
        _fail(str(exc), 2)
        return
    out.print(format_summary(summary), highlight=False)
    if out_file:
        out_file.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if summary["errors"] or summary["unanswered"]:
        raise typer.Exit(1)


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Interface to bind (default 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default 7860)."),
    auth: str | None = typer.Option(
        None, help="USER:PASS required to open the app (or NEWSDESK_AUTH)."
    ),
    answerer: str | None = typer.Option(
        None, help="Default answerer: local, openai or extractive."
    ),
    collection: str | None = typer.Option(None, help="Collection name."),
) -> None:
    """Start the web app (chat, sources, library) and its API; Ctrl-C stops it."""
    from index.store import StoreError
    from ui.serve import ServeError
    from ui.serve import serve as run_server

    settings = _settings(host=host, port=port, auth=auth, answerer=answerer, collection=collection)
    try:
        run_server(settings, console)
    except (StoreError, ServeError) as exc:
        _fail(str(exc))


@app.command("eval")
def eval_gold(
    gold: Path = typer.Argument(..., help="Gold JSONL (e.g. eval/gold/sample.jsonl)."),
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
) -> None:
    """Score a gold set: results.json, report.md, report.png (cached, resumable)."""
    from eval.commands import run_gold_eval

    if not gold.is_file():
        _fail(f"no gold file at {gold}", 2)
    settings = _settings(collection=collection)
    try:
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
        )
    except Exception as exc:  # a store, model or file problem: one line, non-zero exit
        _fail(f"{type(exc).__name__}: {exc}")
        return
    console.print(f"wrote {where}/results.json, report.md, report.png", highlight=False)
    if results["errors"]:
        _fail(f"{results['errors']} question(s) failed; see {where}/results.json")


@app.command("eval-multihop")
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
        None, help="The baseline answers only the first N of the sample (it is slow)."
    ),
    answers_only: bool = typer.Option(
        False, "--answers-only", help="Skip the retrieval pass over all queries."
    ),
) -> None:
    """MultiHop-RAG: retrieval on all queries, answers on a sample, vs baseline and paper."""
    from eval.multihop import run_multihop

    for path in (corpus, queries):
        if not path.is_file():
            _fail(f"no file at {path}", 2)
    settings = _settings(collection=collection)
    where = out_dir or Path(__file__).resolve().parent.parent / "eval" / "runs" / "multihop"
    try:
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
            command="newsdesk " + " ".join(sys.argv[1:]),
            log=lambda msg: console.print(msg, highlight=False),
        )
    except Exception as exc:  # a store, model or file problem: one line, non-zero exit
        _fail(f"{type(exc).__name__}: {exc}")
        return
    console.print(f"wrote {where}/report.md", highlight=False)
    if summary["errors"]:
        _fail(f"{summary['errors']} question(s) failed; see {where}")


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def bench(ctx: typer.Context) -> None:
    """Benchmark ingest, retrieval, answering and start-up (`newsdesk bench --help`)."""
    from eval.bench import main as run_bench

    raise typer.Exit(run_bench(ctx.args))


def main() -> None:
    """Entry point that turns Ctrl-C into a clean exit."""
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
