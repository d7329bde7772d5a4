"""Errors of the API as one JSON line with the right status, never a traceback or a path.

``/api/`` errors are ``{"error": "one line"}``; ``/v1/`` errors use OpenAI's shape
(``{"error": {"message", "type", "code"}}``) so OpenAI clients show the message.

Example:
    >>> scrub("cannot open /srv/nd/.newsdesk/chroma/chroma.sqlite3 (locked); see http://h/x/y")
    'cannot open chroma.sqlite3 (locked); see http://h/x/y'
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from index.db import DatabaseError
from index.store import StoreError
from qa.assistant import AnswererError, EmptyStoreError, QuestionError
from qa.conversations import ConversationNotFound

# An absolute path (2+ parts) that is not part of a URL: replaced by its base name.
_PATH_RE = re.compile(r"(?<![\w:/.~-])(?:/[^\s/'\"(),;:]+){2,}/?")

#: Exceptions a client can act on, and their status.
STATUS: tuple[tuple[type[Exception], int], ...] = (
    (QuestionError, 400),
    (ConversationNotFound, 404),
    (EmptyStoreError, 503),
    (AnswererError, 503),
    (StoreError, 503),
    (DatabaseError, 503),
)


def scrub(message: str) -> str:
    """One line, with every absolute server path cut to its base name."""
    line = " ".join(str(message).split())
    line = _PATH_RE.sub(lambda m: m.group(0).rstrip("/").rsplit("/", 1)[-1], line)
    return line[:500]


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of an error a client can act on, else None."""
    return next((code for kind, code in STATUS if isinstance(exc, kind)), None)


def error_response(request: Request | None, status: int, message: str, **headers: str) -> Any:
    """The JSON error for ``request``'s family of routes."""
    text = scrub(message)
    path = request.url.path if request is not None else ""
    if path.startswith("/v1/"):
        kind = "invalid_request_error" if status < 500 else "server_error"
        codes = {401: "invalid_api_key", 404: "not_found", 413: "request_too_large"}
        body: dict[str, Any] = {
            "error": {"message": text, "type": kind, "param": None, "code": codes.get(status)}
        }
    else:
        body = {"error": text}
    return JSONResponse(body, status_code=status, headers=headers or None)


def validation_message(exc: RequestValidationError) -> tuple[int, str]:
    """(status, one line) for an invalid body: 400 when it is not JSON, else 422."""
    errors = exc.errors()
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return (
            400,
            "the body is not valid JSON: send a JSON object (Content-Type: application/json)",
        )
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    where = ".".join(loc) or "body"
    msg = str(first.get("msg", "invalid value"))
    if first.get("type") == "missing":
        msg = "required"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return 422, f"{where}: {msg}{more}"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error of the API into one JSON line."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Any:
        return error_response(request, exc.status_code, str(exc.detail), **(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        return error_response(request, *validation_message(exc))

    async def known(request: Request, exc: Exception) -> Any:
        return error_response(request, status_of(exc) or 500, str(exc))

    for kind, _ in STATUS:  # handled where raised: the connection stays usable
        app.add_exception_handler(kind, known)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Any:
        status = status_of(exc)
        if status is not None:
            return error_response(request, status, str(exc))
        # Starlette re-raises it after this response: the server log gets the traceback.
        return error_response(
            request, 500, f"internal error ({type(exc).__name__}); the server log has details"
        )


class BodyLimit:
    """ASGI middleware: bodies of ``/api/`` and ``/v1/`` calls over the limit get a 413.

    JSON bodies are limited to ``json_bytes``; uploads (multipart) to ``upload_bytes``. Both a
    too-large ``Content-Length`` and a chunked body that grows past the limit are refused.
    """

    def __init__(self, app: ASGIApp, json_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path.startswith("/api/") or path.startswith("/v1/")):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        upload = headers.get("content-type", "").startswith("multipart/")
        limit = self.upload_bytes if upload else self.json_bytes
        what = f"{limit / 1e6:g} MB upload" if upload else f"{limit // 1024} KB request"
        message = f"the body is over the {what} limit" + (
            " (NEWSDESK_MAX_UPLOAD_MB)" if upload else " (NEWSDESK_MAX_REQUEST_KB)"
        )
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _send_413(scope, receive, send, message)
            return
        seen = 0
        too_big = False

        async def counting() -> Message:
            nonlocal seen, too_big
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    too_big = True
                    raise _TooLarge()
            return msg

        started = False

        async def tracking(msg: Message) -> None:
            nonlocal started
            if too_big:  # the app answered a body cut short: send the 413 instead
                if msg["type"] == "http.response.start" and not started:
                    started = True
                    await _send_413(scope, receive, send, message)
                return
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counting, tracking)
        except _TooLarge:
            if not started:
                await _send_413(scope, receive, send, message)
        except Exception:
            if too_big and not started:
                await _send_413(scope, receive, send, message)
            else:
                raise


class _TooLarge(Exception):
    pass


async def _send_413(scope: Scope, receive: Receive, send: Send, message: str) -> None:
    from starlette.requests import Request as StarletteRequest

    response = error_response(StarletteRequest(scope), 413, message)
    await response(scope, receive, send)
