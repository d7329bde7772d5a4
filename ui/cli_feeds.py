"""``newsdesk feeds …`` and the URL half of ``newsdesk ingest``: thin calls into
:mod:`index.intake.service` (nothing here fetches or parses).

Heavy libraries are imported inside the commands, so ``newsdesk --help`` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

feeds_app = typer.Typer(
    name="feeds",
    help="Follow RSS/Atom feeds and sitemaps: add, list, remove, refresh.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console()

STATUS_STYLE = {"added": "green", "updated": "cyan", "unchanged": "dim", "failed": "red"}


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _settings(collection: str | None) -> Any:
    from index.settings import Settings

    return Settings(collection=collection) if collection else Settings()


@contextmanager
def _intake(settings: Any) -> Iterator[Any]:
    """An Intake for one command; store, database and intake errors become one line."""
    from index.db import DatabaseError
    from index.intake.service import Intake, IntakeError
    from index.store import StoreError, store_errors

    try:
        with store_errors(settings), Intake(settings) as intake:
            yield intake
    except (StoreError, DatabaseError, IntakeError) as exc:
        _fail(str(exc), 2 if isinstance(exc, IntakeError) else 1)


def _print_item(item: Any) -> None:
    style = STATUS_STYLE.get(item.status, "")
    console.print(f"  [{style}]{item.line()}[/]", highlight=False, markup=True, soft_wrap=True)


def _print_source(result: Any) -> None:
    style = STATUS_STYLE.get(result.status, "")
    out.print(f"[{style}]{result.line()}[/]", highlight=False, soft_wrap=True)


def _item_printer(quiet: bool) -> Any:
    """Print failures always; other item lines unless quiet."""

    def show(item: Any) -> None:
        if item.status == "failed" or not quiet:
            _print_item(item)

    return show


def ingest_urls(urls: list[str], settings: Any, quiet: bool = False) -> int:
    """``newsdesk ingest https://…``: each URL (page, feed or sitemap); returns failures."""
    failures = 0
    with _intake(settings) as intake:
        for url in urls:
            result = intake.ingest_url(url, on_item=_item_printer(quiet))
            _print_source(result)
            failures += (result.status == "failed") + result.count("failed")
    return failures


@feeds_app.command("add")
def add(
    url: str = typer.Argument(..., help="An RSS/Atom feed or a sitemap (index) URL."),
    every: float | None = typer.Option(
        None, "--every", help="Minutes between refreshes (default NEWSDESK_FEED_REFRESH_MINUTES)."
    ),
    no_refresh: bool = typer.Option(False, "--no-refresh", help="Follow it; fetch it later."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the feed's line and failures."),
    collection: str | None = typer.Option(None, help="Collection name."),
) -> None:
    """Follow a feed or sitemap and ingest its articles now."""
    with _intake(_settings(collection)) as intake:
        result = intake.add_feed(
            url, every=every, refresh=not no_refresh, on_item=_item_printer(quiet)
        )
    _print_source(result)
    if result.status == "failed":
        raise typer.Exit(1)


@feeds_app.command("list")
def list_feeds(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON list."),
    collection: str | None = typer.Option(None, help="Collection name."),
) -> None:
    """The followed feeds: url, title, last refresh and status, articles, next refresh."""
    from index.db import DatabaseError
    from index.intake.feeds import Registry

    try:
        feeds = Registry(_settings(collection)).info()
    except DatabaseError as exc:
        _fail(str(exc))
        return
    if as_json:
        print(json.dumps([f.as_dict() for f in feeds], indent=2))
        return
    if not feeds:
        out.print("no feeds: add one with `newsdesk feeds add URL`", highlight=False)
        return
    for f in feeds:
        style = STATUS_STYLE.get(f.last_status, "")
        status = f.last_status or "new"
        out.print(
            f"[bold]{f.url}[/]  {f.title or '—'}\n"
            f"    every {f.every_minutes:g} min · last {f.last_refresh or 'never'} "
            f"[{style}]{status}[/]"
            + (f" ({f.last_detail})" if f.last_detail else "")
            + f" · {f.articles} articles · next {f.next_refresh or 'now'}",
            highlight=False,
            soft_wrap=True,
        )


@feeds_app.command("remove")
def remove(
    url: str = typer.Argument(..., help="The feed's URL (as `feeds list` shows it)."),
    delete_articles: bool = typer.Option(
        False, "--delete-articles", help="Also delete its articles from the store."
    ),
    collection: str | None = typer.Option(None, help="Collection name."),
) -> None:
    """Stop following a feed (its articles stay unless --delete-articles)."""
    with _intake(_settings(collection)) as intake:
        n = intake.remove_feed(url, delete_articles=delete_articles)
    what = "deleted" if delete_articles else "kept"
    out.print(f"removed {url} ({n} articles {what})", highlight=False)


@feeds_app.command("refresh")
def refresh(
    urls: list[str] = typer.Argument(None, help="Feeds to refresh (default: all of them)."),
    due: bool = typer.Option(False, "--due", help="Only the feeds whose refresh time has come."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON list of results."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only feed lines and failures."),
    collection: str | None = typer.Option(None, help="Collection name."),
) -> None:
    """Fetch feeds now: one line per feed (added / updated / unchanged / failed, and why)."""
    with _intake(_settings(collection)) as intake:
        results = intake.refresh(
            urls or [],
            due_only=due,
            on_source=None if as_json else _print_source,
            on_item=None if as_json else _item_printer(quiet),
        )
    if as_json:
        print(json.dumps([r.as_dict() for r in results], indent=2))
    elif not results:
        out.print("no feeds to refresh", highlight=False)
    if any(r.status == "failed" for r in results):
        raise typer.Exit(1)
