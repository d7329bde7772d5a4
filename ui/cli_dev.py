"""``newsdesk dev …``: developer tools (benchmarks, load tests), kept out of the user commands."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ui.cli_common import _fail, console, out

dev_app = typer.Typer(
    help="Developer tools: benchmarks and load tests.", no_args_is_help=True, add_completion=False
)


@dev_app.command()
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
        summary = run_load(
            url,
            sessions=sessions,
            seconds=seconds,
            answerer=answerer,
            max_requests=max_requests,
            pid=pid,
            log=console.print,
        )
    except LoadError as exc:
        _fail(str(exc), 2)
        return
    out.print(format_summary(summary), highlight=False)
    if out_file:
        out_file.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if summary["errors"] or summary["unanswered"]:
        raise typer.Exit(1)


@dev_app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def bench(ctx: typer.Context) -> None:
    """Benchmark ingest, retrieval, answering and start-up (`newsdesk dev bench --help`)."""
    from eval.bench import main as run_bench

    raise typer.Exit(run_bench(ctx.args))
