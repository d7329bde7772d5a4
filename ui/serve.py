"""``newsdesk serve``: open the store, fill it with the samples if empty, warm up, launch.

One FastAPI app on one port: the REST API (``/api/v1``), the OpenAI-compatible API (``/v1``)
and the Gradio chat mounted at ``/`` (see :mod:`ui.api.server`). Prints
``ready: http://HOST:PORT`` once it answers requests. Binding beyond the loopback interface with
neither a password (``--auth``, ``NEWSDESK_AUTH``, ``NEWSDESK_AUTH_FILE``) nor API keys
(``NEWSDESK_API_KEYS``, ``NEWSDESK_API_KEYS_FILE``) refuses to start unless ``insecure``;
without a password it prints a warning.
"""

from __future__ import annotations

import ipaddress
import os
import time
from pathlib import Path
from typing import Any, cast

from rich.console import Console

from index.errors import NewsdeskError
from index.settings import Answerer, Settings

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


class ServeError(NewsdeskError, RuntimeError):
    """The server cannot start; the message says why."""


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """``"user:pass"`` → ``("user", "pass")``; None when unset.

    >>> parse_auth("ann:s3:cret")
    ('ann', 's3:cret')
    """
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ServeError("--auth / NEWSDESK_AUTH must look like USER:PASSWORD")
    return user, password


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``.

    >>> is_loopback("127.0.0.1"), is_loopback("0.0.0.0"), is_loopback("localhost")
    (True, False, True)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, auth: tuple[str, str] | None) -> str | None:
    """The warning to print when the app is reachable beyond this machine without a password.

    >>> exposure_warning("127.0.0.1", None) is None, exposure_warning("0.0.0.0", ("a", "b"))
    (True, None)
    """
    if is_loopback(host) or auth is not None:
        return None
    return (
        f"serving on {host} without a password: anyone who can reach this machine can "
        "read and change the library. Use --auth USER:PASS (or NEWSDESK_AUTH)."
    )


def ensure_articles(library: Any, console: Console) -> None:
    """Ingest the bundled sample articles when the store is empty (with a progress line)."""
    if library.stats()["documents"]:
        return
    from ui.progress import RichProgress

    console.print(
        f"the store is empty: ingesting the sample articles from {SAMPLE_DIR}", highlight=False
    )
    with RichProgress(console) as progress:
        report = library.ingest([SAMPLE_DIR], progress)
    console.print(
        f"added {report.count('added')} articles, {report.chunks_written} chunks", highlight=False
    )


def access(
    settings: Settings, insecure: bool, console: Console
) -> tuple[tuple[str, str] | None, list[str]]:
    """The chat's password and the API keys; raises ServeError when serving would be unsafe."""
    from ui.api.auth import AuthConfigError, exposure_error, load_api_keys, load_password

    try:
        auth = parse_auth(load_password(settings) or os.environ.get("NEWSDESK_AUTH"))
        keys = load_api_keys(settings)
    except AuthConfigError as exc:
        raise ServeError(str(exc)) from None
    refusal = exposure_error(settings.host, auth, keys, insecure)
    if refusal:
        raise ServeError(refusal)
    warning = exposure_warning(settings.host, auth)
    if warning:
        console.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
    return auth, keys


def open_shared_database(settings: Settings, console: Console) -> None:
    """Migrate the shared database now; if it cannot be used, say so (the chat still works)."""
    from index.db import DatabaseError, open_database

    try:
        open_database(settings)
    except DatabaseError as exc:
        console.print(
            f"[yellow]warning:[/] {exc}; saved conversations and feedback are off", highlight=False
        )


def warm_up(assistant: Any, settings: Settings, console: Console) -> tuple[Settings, list[str]]:
    """Load the default answerer now; returns the settings (their ``answerer`` the app's
    default) and the answerers to offer. An unavailable or failing answerer is dropped with a
    warning, so the app offers what still works."""
    from qa.generators import available_answerers, unavailable_reason

    answerers = available_answerers(settings)
    default = settings.answerer if settings.answerer in answerers else answerers[0]
    if default != settings.answerer:
        console.print(
            f"[yellow]warning:[/] answerer '{settings.answerer}' is not available here "
            f"({unavailable_reason(settings.answerer, settings)}); using '{default}'",
            highlight=False,
        )
    console.print(f"warming up (answerer: {default})…", highlight=False)
    try:
        assistant.warm_up(cast(Answerer, default))
    except Exception as exc:  # e.g. a damaged model part: offer what still works
        answerers = [a for a in answerers if a != default] or ["extractive"]
        console.print(
            f"[yellow]warning:[/] answerer '{default}' failed to load ({exc}); "
            f"using '{answerers[0]}'",
            highlight=False,
        )
    if settings.answerer not in answerers:  # the app's default answerer
        settings = settings.model_copy(update={"answerer": answerers[0]})
    return settings, answerers


def web_app(
    assistant: Any,
    settings: Settings,
    answerers: list[str],
    auth: tuple[str, str] | None,
    keys: list[str],
) -> tuple[Any, Any]:
    """The FastAPI app (REST, OpenAI-compatible, the chat at ``/``) and the Gradio Blocks."""
    from ui.api.auth import ApiAuth
    from ui.api.server import create_api, mount_chat
    from ui.api.service import Service
    from ui.app import build_app, launch_kwargs

    demo = build_app(assistant, settings, answerers)
    demo.queue(default_concurrency_limit=1)
    service = Service(
        assistant,
        settings,
        answerers,
        settings.answerer,
        auth=ApiAuth(tuple(keys), None if keys else auth),
        url_intake=assistant.library.add_url,
    )
    app = mount_chat(
        create_api(service),
        demo,
        auth,
        server_name=settings.host,
        server_port=settings.port,
        max_file_size=int(settings.max_upload_mb * 1e6),
        **launch_kwargs(),
    )
    return app, demo


def serve(
    settings: Settings, console: Console | None = None, block: bool = True, insecure: bool = False
) -> Any:
    """Start the app and (with ``block``) serve until interrupted.

    Returns the running server (:class:`ui.api.server.Running`: ``close()`` stops it).
    """
    from index.intake.background import start_refresher
    from index.store import Store
    from qa.assistant import Assistant
    from ui.api.server import start

    console = console or Console(stderr=True)
    auth, keys = access(settings, insecure, console)
    assistant = Assistant(settings, store=Store(settings))
    ensure_articles(assistant.library, console)
    open_shared_database(settings, console)
    settings, answerers = warm_up(assistant, settings, console)
    app, demo = web_app(assistant, settings, answerers, auth, keys)
    try:
        running = start(app, demo, settings.host, settings.port)
    except OSError as exc:
        raise ServeError(f"cannot listen on {settings.host}:{settings.port} ({exc})") from None
    refresher = start_refresher(settings, assistant, console)  # due feeds, in the background
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    print(f"ready: http://{host}:{settings.port}", flush=True)
    if block:
        try:
            while running.is_running:
                time.sleep(0.2)
        except KeyboardInterrupt:
            console.print("stopping the server", highlight=False)
        finally:
            if refresher is not None:
                refresher.stop()
            running.close()
    return running
