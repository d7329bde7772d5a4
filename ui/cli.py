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


def main() -> None:
    """Entry point that turns Ctrl-C into a clean exit."""
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
