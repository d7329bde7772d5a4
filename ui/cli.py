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

app = typer.Typer(
    name="newsdesk",
    help="Ask questions about news articles and get answers with checked citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


def _settings(**overrides: Any) -> Any:
    from index.settings import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="Files or folders (.txt .md .html .jsonl)."),
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
    settings = _settings(collection=collection)
    try:
        with RichProgress(console) as progress:
            report = run_ingest(
                paths or [],
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
    if report.skipped:
        raise typer.Exit(1)


@app.command()
def stats(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    collection: str | None = typer.Option(None, help="Collection name."),
) -> None:
    """Show what the store holds."""
    from index.store import Store, StoreError

    settings = _settings(collection=collection)
    try:
        info = Store(settings).stats()
    except StoreError as exc:
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
    from qa.answer import Answer
    from qa.assistant import AnswererError, EmptyStoreError, QuestionError

    try:
        for item in assistant.stream(question, turns, answerer, top_k):
            if isinstance(item, Answer):
                if stream:
                    out.print()
                return item
            if stream:
                out.print(item, end="", highlight=False, markup=False)
    except (QuestionError, EmptyStoreError, AnswererError) as exc:
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


def main() -> None:
    """Entry point that turns Ctrl-C into a clean exit."""
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
