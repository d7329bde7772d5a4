"""``newsdesk feedback``: readers' verdicts out of the database, as a gold set or as counts.

newsdesk feedback export --out feedback.jsonl   # then: newsdesk eval feedback.jsonl
newsdesk feedback stats [--json]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

app = typer.Typer(
    help="Readers' thumbs up/down on answers: export them as a gold set, or count them.",
    no_args_is_help=True,
)
console = Console(stderr=True)
out = Console()


def _store() -> Any:
    from index.db import DatabaseError
    from index.settings import Settings
    from qa.feedback import FeedbackStore

    try:
        return FeedbackStore.open(Settings())
    except DatabaseError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@app.command("export")
def export(
    out_file: Path = typer.Option(..., "--out", help="The gold-set JSONL file to write."),
    verdict: str | None = typer.Option(None, help="Only 'up' or only 'down' verdicts."),
) -> None:
    """Write verdicts as gold-set JSONL: thumbs-up = gold candidates, thumbs-down = to review."""
    from qa.feedback import VERDICTS, export_jsonl

    if verdict is not None and verdict not in VERDICTS:
        console.print("[bold red]error:[/] --verdict must be 'up' or 'down'", highlight=False)
        raise typer.Exit(2)
    count = export_jsonl(_store(), out_file, verdict)
    console.print(
        f"wrote {count} record(s) to {out_file}"
        + (f"; score them with `newsdesk eval {out_file}`" if count else ""),
        highlight=False,
    )


@app.command("stats")
def stats(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Counts of verdicts, by verdict and by how the answer was made (outcome)."""
    counts = _store().stats()
    if as_json:
        out.print_json(json.dumps(counts))
        return
    out.print(
        f"[bold]{counts['total']}[/] verdict(s): "
        + ", ".join(f"{v} {n}" for v, n in counts["by_verdict"].items()),
        highlight=False,
    )
    for outcome, by in counts["by_outcome"].items():
        out.print(
            f"  {outcome:<18} up {by.get('up', 0):>5}   down {by.get('down', 0):>5}",
            highlight=False,
        )
