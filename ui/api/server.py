"""One FastAPI app on one port: the REST and OpenAI routes, with the Gradio chat mounted at ``/``.

:func:`create_api` builds the API app (errors, body limits, OpenAPI docs at ``/api/docs``);
:func:`mount_chat` mounts the Gradio Blocks under it; :func:`start` serves it with uvicorn on a
socket bound here (so a busy port is a clean error) in a background thread.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from starlette.routing import Match, Mount

from ui.api import errors, openai_compat, rest
from ui.api.service import Service, package_version

DESCRIPTION = """Ask questions about the articles in the library and get answers with checked
citations. `/api/v1/` is Newsdesk's own API; `/v1/` is OpenAI-compatible (point any OpenAI
client's base URL at `http://HOST:PORT/v1`). When the server has API keys
(`NEWSDESK_API_KEYS`), send `Authorization: Bearer KEY` with every call. Errors are
`{"error": "one line"}` (OpenAI's error object on `/v1/`)."""


def create_api(service: Service) -> FastAPI:
    """The API app: ``/api/v1``, ``/v1``, JSON errors, body limits, docs at ``/api/docs``."""
    settings = service.settings
    app = FastAPI(
        title="Newsdesk API",
        version=package_version(),
        description=DESCRIPTION,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    errors.install(app)
    routers = [rest.router(service), openai_compat.router(service)]
    for router in routers:
        app.include_router(router)

    async def unknown(request: Request) -> Any:
        for route in (r for router in routers for r in router.routes):
            match, _ = route.matches(request.scope)
            if match is Match.PARTIAL:  # the path exists, with other methods
                allowed = ", ".join(sorted(getattr(route, "methods", None) or []))
                return errors.error_response(request, 405, f"use {allowed} for this path")
        return errors.error_response(request, 404, f"no such endpoint: {request.url.path[:100]}")

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    for prefix in ("/api", "/v1"):
        app.add_api_route(
            prefix + "/{rest:path}", unknown, methods=methods, include_in_schema=False
        )
    app.add_middleware(
        errors.BodyLimit,
        json_bytes=settings.max_request_kb * 1024,
        upload_bytes=int(settings.max_upload_mb * 1e6) + 64 * 1024,
    )
    return app


def mount_chat(app: FastAPI, demo: Any, auth: tuple[str, str] | None, **kwargs: Any) -> FastAPI:
    """Mount the Gradio Blocks at ``/`` (after the API routes, so those match first)."""
    import gradio as gr

    mounted = gr.mount_gradio_app(app, demo, path="/", auth=auth, show_error=False, **kwargs)
    # Gradio checks that a client-sent file path lies in its upload folder only once a Blocks
    # "has launched", which mount_gradio_app never marks (gradio 6): without this, an API
    # client could make the server copy any readable file into its cache and ingest it.
    demo.has_launched = True
    return mounted


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (raises OSError when it cannot be had)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


@dataclass
class Running:
    """A started server: ``close()`` stops it (the chat's queue, then uvicorn)."""

    app: FastAPI
    demo: Any
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def is_running(self) -> bool:
        """True until the server stops."""
        return self.thread.is_alive() and not self.server.should_exit

    def close(self) -> None:
        """Stop serving and free the port."""
        chat = next((r.app for r in self.app.routes if isinstance(r, Mount)), None)
        stop = getattr(chat, "stop_event", None)
        if stop is not None:
            stop.set()  # ends the chat's heartbeat streams so shutdown need not wait for them
        queue = getattr(self.demo, "_queue", None)
        if queue is not None:
            queue.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start(app: FastAPI, demo: Any, host: str, port: int, timeout_s: float = 60.0) -> Running:
    """Serve ``app`` on ``host:port`` in a background thread; returns once it accepts requests."""
    sock = bind(host, port)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,  # request lines never reach the log (nor do headers: keys stay secret)
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise OSError(f"the server did not start within {timeout_s:g} s")
        time.sleep(0.01)
    return Running(app, demo, server, thread)
