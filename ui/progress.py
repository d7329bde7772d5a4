"""Terminal rendering of ingest progress and per-file results (rich)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from index.pipeline import FileResult
from index.pipeline import Progress as IngestProgress

_STYLE = {
    "added": "green",
    "replaced": "cyan",
    "unchanged": "dim",
    "removed": "yellow",
    "skipped": "red",
}


class RichProgress(IngestProgress):
    """A rich progress bar showing embedded chunks and chunks per second."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(
            TextColumn("embedding"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("chunks · {task.fields[rate]} chunks/s"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.bar.stop()

    def start(self, total_chunks: int) -> None:
        """Show the bar once there is something to embed."""
        if total_chunks:
            self.bar.start()
            self.task = self.bar.add_task("embed", total=total_chunks, rate="–")

    def advance(self, n: int) -> None:
        """Advance by one embedded batch."""
        if self.task is None:
            return
        self.bar.advance(self.task, n)
        speed = self.bar.tasks[0].speed
        self.bar.update(self.task, rate=f"{speed:.0f}" if speed else "–")


def print_result(console: Console, result: FileResult) -> None:
    """One line per input: status, where, and the reason or title."""
    style = _STYLE.get(result.status, "")
    detail = result.detail if result.status == "skipped" else (result.title or result.detail)
    console.print(
        f"[{style}]{result.status:>9}[/]  {escape(result.where)}"
        + (f"  [dim]{escape(detail)}[/]" if detail else ""),
        highlight=False,
    )
