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
from rich.markup import escape

from ui.cli_feeds import feeds_app, ingest_urls
from ui.feedback_cli import app as feedback_app

app = typer.Typer(
    name="newsdesk",
    help="Ask questions about news articles and get answers with checked citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(feeds_app, name="feeds")
# Shared with the command modules registered below (ui/cli_eval.py, ui/cli_dev.py, ...).
from index.errors import NewsdeskError  # noqa: E402
from ui.cli_common import _assistant, _fail, _settings, console, out  # noqa: E402


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
    """The ``--history`` file, parsed by the one history parser (``ui.history``)."""
    from qa.assistant import QuestionError
    from ui.history import parse_history

    if path is None:
        return []
    try:
        return parse_history(path.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"cannot read the history file {path}: {exc.strerror or exc}", 2)
    except QuestionError as exc:
        _fail(f"{path}: {exc}", 2)


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, in quotes."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
    stream: bool = typer.Option(
        False, "--stream", help="With --json: JSON lines, events sources, token…, answer."
    ),
    answerer: str | None = typer.Option(None, help="local, openai or extractive."),
    top_k: int | None = typer.Option(None, "--top-k", help="Passages given to the answerer."),
    history: Path | None = typer.Option(None, help="JSON list of earlier messages."),
    collection: str | None = typer.Option(None, help="Collection name."),
) -> None:
    """Answer one question with cited passages (the passages found are shown first)."""
    from qa.render import print_answer

    settings = _settings(collection=collection)
    turns = _load_history(history)
    assistant = _assistant(settings)
    mode = ("jsonl" if stream else "json") if as_json else "human"
    answer = _run(assistant, question, turns, answerer, top_k, mode)
    if mode == "json":
        print(answer.model_dump_json(indent=2))
    elif mode == "human":
        print_answer(out, answer, streamed=True)


def _run(
    assistant: Any,
    question: str,
    turns: list[dict[str, str]],
    answerer: str | None,
    top_k: int | None,
    mode: str,
) -> Any:
    """Run one answer stream, showing it as ``mode`` says: ``human`` (sources, then the draft
    as it streams), ``jsonl`` (one JSON event per line) or ``json`` (nothing until the end)."""
    from qa.answer import Answer, Sources
    from qa.assistant import QuestionError
    from qa.render import print_sources

    drafting = False
    try:
        for item in assistant.stream(question, turns, answerer, top_k):
            if mode == "jsonl":
                print(json.dumps(_event(item)), flush=True)
            if isinstance(item, Answer):
                if drafting:
                    out.print()
                return item
            if mode != "human":
                continue
            if isinstance(item, Sources):
                print_sources(out, item)
            else:
                if not drafting:
                    out.print("[dim]draft (unverified):[/] ", end="", highlight=False)
                    drafting = True
                out.print(f"[dim]{escape(item)}[/]", end="", highlight=False)
    except NewsdeskError as exc:
        _fail(str(exc), 2 if isinstance(exc, QuestionError) else 1)
    raise AssertionError("no answer")  # pragma: no cover


def _event(item: Any) -> dict[str, Any]:
    """One event of ``ask --json --stream``: ``{"event": "sources"|"token"|"answer", "data"}``."""
    if isinstance(item, str):
        return {"event": "token", "data": item}
    kind = "answer" if type(item).__name__ == "Answer" else "sources"
    return {"event": kind, "data": item.model_dump(mode="json")}


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
            answer = _run(assistant, question, turns, answerer, top_k, "human")
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
    settings = _settings(collection=collection, answerer="extractive")
    library = _assistant(settings).library
    try:
        for target in targets:
            found = library.find(target)
            if not found:
                _fail(f"no article with id or file {target!r} in {settings.store_location}", 2)
            for doc in found:
                library.delete(doc["doc_id"])
                console.print(f"deleted {doc['doc_id']} {doc.get('title', '')}", highlight=False)
    except NewsdeskError as exc:
        _fail(str(exc))


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
    insecure: bool = typer.Option(
        False, "--insecure", help="Serve beyond loopback with neither a password nor API keys."
    ),
) -> None:
    """Start the web app (chat, sources, library), its REST and OpenAI APIs; Ctrl-C stops it."""
    from ui.serve import serve as run_server

    settings = _settings(host=host, port=port, auth=auth, answerer=answerer, collection=collection)
    try:
        run_server(settings, console, insecure=insecure)
    except NewsdeskError as exc:
        _fail(str(exc))


from ui import cli_dev, cli_eval  # noqa: E402 - the commands they define go on `app`

app.command("eval")(cli_eval.eval_gold)
app.command("eval-multihop")(cli_eval.eval_multihop)
app.command("eval-rgb")(cli_eval.eval_rgb)
app.command("eval-compare")(cli_eval.eval_compare)
app.add_typer(cli_dev.dev_app, name="dev")


app.add_typer(feedback_app, name="feedback")


def main() -> None:
    """Entry point that turns Ctrl-C into a clean exit."""
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
