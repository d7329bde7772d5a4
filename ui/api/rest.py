"""``/api/v1``: ask (JSON or server-sent events), health, saved conversations, feedback.

Library routes (``/api/v1/articles``) are in :mod:`ui.api.articles`. Every route needs the
caller to pass :func:`ui.api.service.caller` (an API key when keys are set).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import Enum
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import PlainTextResponse, StreamingResponse

from index.store import StoreError, store_errors
from qa.answer import Answer, Sources
from qa.conversations import Conversation, public_answer, public_source, to_markdown
from ui.api import schemas as s
from ui.api.errors import scrub, status_of
from ui.api.service import Service

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": s.ErrorResponse, "description": text}
    for code, text in {
        400: "Bad question or body",
        401: "Missing or wrong API key",
        404: "No such conversation or turn",
        413: "Body too large",
        422: "Invalid field",
        503: "Store, generator or database unavailable",
    }.items()
}


def router(service: Service) -> APIRouter:
    """The ``/api/v1`` routes (articles included)."""
    from ui.api.articles import add_article_routes

    api = APIRouter(prefix="/api/v1", dependencies=[Depends(service.who)], responses=ERRORS)
    _ask_routes(api, service)
    add_article_routes(api, service)
    _conversation_routes(api, service)
    _conversation_edit_routes(api, service)
    _feedback_routes(api, service)

    @api.get("/health", response_model=s.Health, tags=["service"])
    def health(response: Response) -> s.Health:
        """Store, generator and database status with counts (503 when any is down)."""
        result = check_health(service)
        if result.status != "ok":
            response.status_code = 503
        return result

    return api


# -- ask --------------------------------------------------------------------------------------


def _ask_routes(api: APIRouter, service: Service) -> None:
    @api.post(
        "/ask",
        response_model=s.AskResponse,
        tags=["ask"],
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def ask(body: s.AskRequest, response: Response, who: str = Depends(service.who)) -> Any:
        """Answer a question: the same JSON object as `newsdesk ask --json`.

        With `stream: true`: server-sent events `sources` (the retrieved passages), `token`
        (unverified draft text, zero or more), then `answer` (the final answer object), or
        `error` if the answerer fails midway.
        """
        history: list[Any] = list(body.history)
        conv: Conversation | None = None
        if body.conversation_id is not None:
            conv = service.conversations().get(body.conversation_id)
            history = conv.history()
        events = service.stream(body.question, history, body.answerer, body.top_k)
        save = body.save or conv is not None
        owner = conv.summary.owner if conv else who
        target = conv.summary.id if conv else None
        if not body.stream:
            answer = next(e for e in events if isinstance(e, Answer))
            response.headers["Server-Timing"] = server_timing(answer)
            return _finish(service, answer, body.top_k, save, owner, target)
        first = next(events)  # errors before any event are plain JSON errors with a status
        return StreamingResponse(
            _sse(service, first, events, body.top_k, save, owner, target),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )


def _finish(
    service: Service, answer: Answer, top_k: int | None, save: bool, owner: str, target: str | None
) -> s.AskResponse:
    conversation_id = turn = None
    if save:
        conversation_id, turn = service.conversations().add_turn(
            owner, target, answer, service.turn_settings(answer, top_k)
        )
    return s.AskResponse(
        **public_answer(answer).model_dump(), conversation_id=conversation_id, turn=turn
    )


def server_timing(answer: Answer) -> str:
    """A ``Server-Timing`` header value: the time the assistant spent on the answer."""
    return f"answer;dur={float(answer.timings_ms.get('total', 0.0)):.1f}"


def event(name: str, data: Any) -> str:
    """One server-sent event (``data`` as JSON on one line).

    >>> event("token", {"text": "Kis"})
    'event: token\\ndata: {"text": "Kis"}\\n\\n'
    """
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def public_sources(sources: Sources) -> dict[str, Any]:
    """The Sources event with public ``source`` fields."""
    data = sources.model_dump(mode="json")
    for p in data["passages"]:
        p["source"] = public_source(p["source"])
    return data


def _sse(
    service: Service,
    first: Any,
    events: Iterator[Any],
    top_k: int | None,
    save: bool,
    owner: str,
    target: str | None,
) -> Iterator[str]:
    item = first
    try:
        while True:
            if isinstance(item, Sources):
                yield event("sources", public_sources(item))
            elif isinstance(item, str):
                yield event("token", {"text": item})
            elif isinstance(item, Answer):
                done = _finish(service, item, top_k, save, owner, target)
                yield event("answer", done.model_dump(mode="json"))
                return
            item = next(events)
    except StopIteration:
        yield event("error", {"error": "the answer stream ended without an answer"})
    except Exception as exc:  # the answerer failing midway: the client gets one line
        known = status_of(exc) is not None
        message = str(exc) if known else f"internal error ({type(exc).__name__})"
        yield event("error", {"error": scrub(message)})


# -- health -----------------------------------------------------------------------------------


def check_health(service: Service) -> s.Health:
    """Counts and status of the store, the answerers and the database."""
    settings = service.settings
    try:
        with store_errors(settings):
            stats = service.assistant.library.stats()
        store = s.StoreHealth(
            ok=True,
            documents=stats["documents"],
            chunks=stats["chunks"],
            collection=stats["collection"],
            embedding_model=stats["embedding_model"],
        )
    except StoreError as exc:
        store = s.StoreHealth(ok=False, collection=settings.collection, error=scrub(str(exc)))
    generator = s.GeneratorHealth(
        ok=bool(service.answerers), default=service.default, available=list(service.answerers)
    )
    try:
        database = s.DatabaseHealth(
            ok=True,
            conversations=service.conversations().count(),
            feedback=service.feedback().stats()["total"],
        )
    except Exception as exc:  # DatabaseError or a driver error: reported, not raised
        database = s.DatabaseHealth(ok=False, error=scrub(str(exc)))
    ok = store.ok and generator.ok and database.ok
    from ui.api.service import package_version

    return s.Health(
        status="ok" if ok else "degraded",
        store=store,
        generator=generator,
        database=database,
        version=package_version(),
    )


# -- conversations ----------------------------------------------------------------------------


def _summary_out(summary: Any) -> s.ConversationSummaryOut:
    return s.ConversationSummaryOut(
        id=summary.id,
        title=summary.title,
        owner=summary.owner,
        created_at=summary.created_at,
        updated_at=summary.updated_at,
        turn_count=summary.turns,
    )


def _conversation_routes(api: APIRouter, service: Service) -> None:
    """List, read and export saved conversations."""
    tags: list[str | Enum] = ["conversations"]

    @api.get("/conversations", response_model=s.ConversationPage, tags=tags)
    def list_conversations(
        owner: str | None = Query(None, max_length=200, description="Only this owner's."),
        limit: int = Query(50, ge=1, le=500),
        offset: int = Query(0, ge=0),
    ) -> s.ConversationPage:
        """Saved conversations of every owner (or one), most recently active first."""
        store = service.conversations()
        rows = store.list(owner, limit=limit, offset=offset)
        return s.ConversationPage(
            total=store.count(owner), conversations=[_summary_out(r) for r in rows]
        )

    @api.get("/conversations/{conversation_id}", response_model=s.ConversationOut, tags=tags)
    def get_conversation(conversation_id: str) -> s.ConversationOut:
        """One conversation with every question and answer."""
        conv = service.conversations().get(conversation_id)
        turns = [s.TurnOut.model_validate(t, from_attributes=True) for t in conv.turns]
        return s.ConversationOut(**_summary_out(conv.summary).model_dump(), turns=turns)

    @api.get(
        "/conversations/{conversation_id}/markdown",
        response_class=PlainTextResponse,
        tags=tags,
        responses={200: {"content": {"text/markdown": {}}}},
    )
    def export_conversation(conversation_id: str) -> PlainTextResponse:
        """The conversation as Markdown: questions, cited answers, quoted passages."""
        conv = service.conversations().get(conversation_id)
        return PlainTextResponse(to_markdown(conv), media_type="text/markdown; charset=utf-8")


def _conversation_edit_routes(api: APIRouter, service: Service) -> None:
    """Rename and delete saved conversations."""
    tags: list[str | Enum] = ["conversations"]

    @api.patch(
        "/conversations/{conversation_id}", response_model=s.ConversationSummaryOut, tags=tags
    )
    def rename_conversation(
        conversation_id: str, body: s.RenameRequest
    ) -> s.ConversationSummaryOut:
        """Give a conversation a new title."""
        try:
            summary = service.conversations().rename(conversation_id, body.title)
        except ValueError as exc:
            raise HTTPException(422, f"title: {exc}") from None
        return _summary_out(summary)

    @api.delete("/conversations/{conversation_id}", tags=tags)
    def delete_conversation(conversation_id: str) -> dict[str, str]:
        """Delete a conversation (feedback given on it is kept for the gold set)."""
        service.conversations().delete(conversation_id)
        return {"deleted": conversation_id}


# -- feedback ---------------------------------------------------------------------------------


def _feedback_routes(api: APIRouter, service: Service) -> None:
    @api.post("/feedback", response_model=s.FeedbackOut, status_code=201, tags=["feedback"])
    def feedback(body: s.FeedbackRequest, who: str = Depends(service.who)) -> s.FeedbackOut:
        """Thumbs up or down (and a comment) on a saved turn or on an answer object."""
        store = service.feedback()
        if body.answer is not None:
            fb = store.on_answer(
                body.answer,
                body.verdict,
                body.comment,
                [m.model_dump() for m in body.history],
                {"answerer": body.answer.answerer, "top_k": len(body.answer.retrieved)},
                owner=who,
            )
        else:
            assert body.conversation_id is not None and body.turn is not None
            fb = store.on_turn(
                service.conversations(), body.conversation_id, body.turn, body.verdict, body.comment
            )
        return s.FeedbackOut(
            id=fb.id,
            verdict=fb.verdict,
            conversation_id=fb.conversation_id,
            turn=fb.turn,
            outcome=fb.answer.outcome,
            created_at=fb.created_at,
        )
