"""``/v1``: an OpenAI-compatible chat endpoint, so any OpenAI client can ask Newsdesk.

``GET /v1/models`` lists ``newsdesk`` (the server's default answerer) and ``newsdesk-NAME``
for each answerer it offers. ``POST /v1/chat/completions`` takes ``messages``: the last user
message is the question, earlier user/assistant messages are the history (system messages are
ignored). The reply is the cited answer text (``[n]`` markers) followed by a short "Sources:"
list; the structured citations travel in ``message.citations`` (and ``outcome``/``refused``
beside them). A refusal is an ordinary assistant message.

Streaming (``stream: true``) sends the role at once and the answer after it is verified: the
model's unverified draft is never sent as the answer, so the text arrives in one burst of
chunks when it is ready, then a ``finish_reason: "stop"`` chunk and ``data: [DONE]``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from qa.answer import Answer
from qa.conversations import public_answer, public_source
from ui.api.errors import scrub, status_of
from ui.api.rest import server_timing
from ui.api.schemas import TOP_K_MAX
from ui.api.service import Service

MODEL = "newsdesk"
SOURCES_HEADING = "Sources:"
_SOURCES_TAIL = re.compile(
    r"\n\s*\n" + re.escape(SOURCES_HEADING) + r"\n(?:\[\d+\].*(?:\n|$))+\s*$"
)


class ContentPart(BaseModel):
    """A part of a message's content (only ``text`` parts are read)."""

    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    """One message of the conversation."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    """``stream_options``: only ``include_usage`` is read."""

    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatRequest(BaseModel):
    """The OpenAI chat body; sampling options are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    top_k: int | None = Field(default=None, ge=1, le=TOP_K_MAX, description="Newsdesk: passages.")


def text_of(message: ChatMessage) -> str:
    """A message's text (``text`` parts joined for list content)."""
    if isinstance(message.content, list):
        return "\n".join(p.text or "" for p in message.content if p.type == "text")
    return message.content or ""


def strip_sources(text: str) -> str:
    """An earlier Newsdesk reply without the Sources list it ended with.

    >>> strip_sources("Kislyak [1].\\n\\nSources:\\n[1] Talks — a.txt")
    'Kislyak [1].'
    """
    return _SOURCES_TAIL.sub("", text).rstrip()


def reply_text(answer: Answer) -> str:
    """The answer with ``[n]`` markers, then one "Sources:" line per citation."""
    if answer.refused or not answer.citations:
        return answer.answer
    lines = [answer.answer.strip(), "", SOURCES_HEADING]
    for c in sorted(answer.citations, key=lambda c: c.n):
        parts = [c.publisher, c.published_at[:10], public_source(c.source)]
        lines.append(f"[{c.n}] {c.title}" + "".join(f" — {p}" for p in parts if p))
    return "\n".join(lines)


def _split(messages: list[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    turns = [m for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise HTTPException(400, "the last message must be the user's question")
    history = [
        {
            "role": m.role,
            "content": strip_sources(text_of(m)) if m.role == "assistant" else text_of(m),
        }
        for m in turns[:-1]
    ]
    return text_of(turns[-1]), history


def model_names(service: Service) -> list[str]:
    """``newsdesk`` and ``newsdesk-NAME`` for every answerer offered."""
    return [MODEL, *(f"{MODEL}-{a}" for a in service.answerers)]


def _answerer(service: Service, model: str) -> str:
    if model in ("", MODEL):
        return service.default
    name = model.removeprefix(MODEL + "-")
    if name not in service.answerers:
        raise HTTPException(
            404, f"no model {model[:60]!r}: use one of " + ", ".join(model_names(service))
        )
    return name


def router(service: Service) -> APIRouter:
    """The ``/v1`` routes."""
    api = APIRouter(prefix="/v1", dependencies=[Depends(service.who)], tags=["openai"])

    @api.get("/models")
    def models() -> dict[str, Any]:
        """The models this server offers (OpenAI's list format)."""
        now = int(time.time())
        return {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": now, "owned_by": "newsdesk"}
                for m in model_names(service)
            ],
        }

    @api.post("/chat/completions")
    def chat_completions(body: ChatRequest, response: Response) -> Any:
        """Answer the last user message with citations (OpenAI chat completion format)."""
        answerer = _answerer(service, body.model)
        question, history = _split(body.messages)
        events = service.stream(question, history, answerer, body.top_k)
        meta = {
            "id": "chatcmpl-" + uuid.uuid4().hex,
            "created": int(time.time()),
            "model": body.model or MODEL,
        }
        prompt_words = sum(len(text_of(m).split()) for m in body.messages)
        if not body.stream:
            answer = next(e for e in events if isinstance(e, Answer))
            response.headers["Server-Timing"] = server_timing(answer)
            return completion(answer, meta, prompt_words)
        next(events)  # the Sources: errors before it are plain JSON errors with a status
        usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(
            _chunks(events, meta, prompt_words, usage),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return api


def _message(answer: Answer) -> dict[str, Any]:
    public = public_answer(answer)
    return {
        "role": "assistant",
        "content": reply_text(public),
        "citations": [c.model_dump(mode="json") for c in public.citations],
        "refused": public.refused,
        "outcome": public.outcome,
    }


def _usage(prompt_words: int, text: str) -> dict[str, int]:
    done = len(text.split())
    return {
        "prompt_tokens": prompt_words,
        "completion_tokens": done,
        "total_tokens": prompt_words + done,
    }


def completion(answer: Answer, meta: dict[str, Any], prompt_words: int) -> dict[str, Any]:
    """A ``chat.completion`` object for a final answer."""
    message = _message(answer)
    return {
        **meta,
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": _usage(prompt_words, message["content"]),
    }


def _chunk(meta: dict[str, Any], delta: dict[str, Any], finish: str | None = None) -> str:
    data = {
        **meta,
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _chunks(
    events: Iterator[Any], meta: dict[str, Any], prompt_words: int, usage: bool
) -> Iterator[str]:
    yield _chunk(meta, {"role": "assistant", "content": ""})
    try:
        answer = next(e for e in events if isinstance(e, Answer))
    except Exception as exc:  # the answerer failing midway: OpenAI's in-stream error
        known = status_of(exc) is not None
        text = str(exc) if known else f"internal error ({type(exc).__name__})"
        error = {"message": scrub(text), "type": "server_error", "param": None, "code": None}
        yield f"data: {json.dumps({'error': error})}\n\n"
        yield "data: [DONE]\n\n"
        return
    message = _message(answer)
    pieces = re.findall(r"\S+\s*|\s+", message["content"])
    for i in range(0, len(pieces), 8):  # a few words per chunk
        yield _chunk(meta, {"content": "".join(pieces[i : i + 8])})
    extra = {k: message[k] for k in ("citations", "refused", "outcome")}
    yield _chunk(meta, extra, finish="stop")
    if usage:
        data = {
            **meta,
            "object": "chat.completion.chunk",
            "choices": [],
            "usage": _usage(prompt_words, message["content"]),
        }
        yield f"data: {json.dumps(data)}\n\n"
    yield "data: [DONE]\n\n"
