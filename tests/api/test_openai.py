"""``/v1`` with the official ``openai`` package pointed at a real ``newsdesk serve``."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import AMBASSADOR, KEYS, record
from tests.ui.conftest import Server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(api_server: Server) -> Iterator[object]:
    from openai import OpenAI

    http = httpx.Client(event_hooks={"response": [record]}, timeout=120)
    with OpenAI(base_url=api_server.url + "/v1", api_key=KEYS[1], http_client=http) as c:
        yield c


def test_models_lists_newsdesk(client) -> None:
    ids = [m.id for m in client.models.list()]
    assert ids[0] == "newsdesk" and "newsdesk-extractive" in ids


def test_completion_is_the_cited_answer_with_sources(client) -> None:
    reply = client.chat.completions.create(
        model="newsdesk", messages=[{"role": "user", "content": AMBASSADOR}]
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    text = choice.message.content
    assert (
        "[1]" in text and "\n\nSources:\n[1] Russian air raids damaging Syria peace talks" in text
    )
    assert "003_b5e0c7ee18c80093.txt" in text and "/" not in text.split("Sources:")[1]
    extra = choice.message.model_extra
    assert extra["refused"] is False and extra["outcome"] == "extractive"
    assert extra["citations"][0]["n"] == 1 and "Kislyak" in extra["citations"][0]["text"]
    assert extra["citations"][0]["source"] == "003_b5e0c7ee18c80093.txt"
    assert reply.usage.completion_tokens > 0


def test_streaming_gives_the_same_text(client) -> None:
    messages = [{"role": "user", "content": AMBASSADOR}]
    whole = client.chat.completions.create(model="newsdesk", messages=messages)
    chunks = list(
        client.chat.completions.create(
            model="newsdesk-extractive",
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    last = [c for c in chunks if c.choices][-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.choices[0].delta.model_extra["citations"][0]["n"] == 1
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0


def test_refusal_is_an_ordinary_message(client) -> None:
    for stream in (False, True):
        reply = client.chat.completions.create(
            model="newsdesk",
            messages=[{"role": "user", "content": "What is the capital of France?"}],
            stream=stream,
        )
        if stream:
            text = "".join(c.choices[0].delta.content or "" for c in reply if c.choices)
        else:
            text = reply.choices[0].message.content
            assert reply.choices[0].message.model_extra["refused"] is True
        assert text == "The articles don't say."


def test_earlier_messages_are_the_history(client) -> None:
    first = client.chat.completions.create(
        model="newsdesk", messages=[{"role": "user", "content": AMBASSADOR}]
    )
    follow = client.chat.completions.create(
        model="newsdesk",
        messages=[
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": AMBASSADOR},
            {"role": "assistant", "content": first.choices[0].message.content},
            {"role": "user", "content": [{"type": "text", "text": "What did he admit?"}]},
        ],
    )
    assert follow.choices[0].message.content


def test_errors_are_openai_errors(client, api_server: Server) -> None:
    import openai

    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=api_server.url + "/v1", api_key="wrong").models.list()
    with pytest.raises(openai.NotFoundError, match="newsdesk-extractive"):
        client.chat.completions.create(
            model="gpt-9", messages=[{"role": "user", "content": AMBASSADOR}]
        )
    with pytest.raises(openai.BadRequestError, match="the user's question"):
        client.chat.completions.create(
            model="newsdesk", messages=[{"role": "assistant", "content": "hello"}]
        )
    with pytest.raises(openai.BadRequestError, match="no words"):
        client.chat.completions.create(
            model="newsdesk", messages=[{"role": "user", "content": "?"}]
        )
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="newsdesk", messages=[])
