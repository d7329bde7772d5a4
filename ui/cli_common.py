"""What every ``newsdesk`` command module shares: the consoles, settings and the one-line error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console

console = Console(stderr=True)
out = Console()


def _settings(**overrides: Any) -> Any:
    """The settings, with the options a command was given (``None`` = not given)."""
    from index.settings import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _fail(message: str, code: int = 1) -> NoReturn:
    """Print one ``error:`` line and exit with ``code``."""
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)  # one line
    raise typer.Exit(code)


def _assistant(settings: Any) -> Any:
    """The Assistant over the settings' store, or one line saying why there is none."""
    from index.store import StoreError
    from qa.assistant import Assistant

    try:
        return Assistant(settings)
    except StoreError as exc:
        _fail(str(exc))


@contextmanager
def _data_errors() -> Iterator[None]:
    """A store, model or database problem, or an unreadable data file: one ``error:`` line."""
    from index.errors import NewsdeskError

    try:
        yield
    except NewsdeskError as exc:
        _fail(str(exc))
    except (OSError, ValueError) as exc:  # an unreadable or malformed data file
        _fail(f"{type(exc).__name__}: {exc}")
