"""The chat-model factories against the real local model and a real OpenAI-compatible server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import openai
import pytest
from langchain_core.messages import HumanMessage
from pydantic import SecretStr

from index.settings import Settings
from qa import generators
from qa.generators import (
    GENERATION_LOCK,
    available_answerers,
    local_chat_model,
    openai_chat_model,
)
from tests.conftest import free_port

QUESTION = "What is the capital of France? Answer in one word."


@pytest.mark.slow
def test_local_model_answers_and_streams(local_model_settings: Settings) -> None:
    model = local_chat_model(local_model_settings)
    assert local_chat_model(local_model_settings) is model  # one per process
    llama = model.client
    assert llama.context_params.n_threads == local_model_settings.n_threads
    assert llama.context_params.n_threads_batch == local_model_settings.n_threads
    assert llama.n_batch == generators.N_BATCH
    assert llama.n_ctx() == local_model_settings.n_ctx

    with GENERATION_LOCK:
        chunks = [chunk.content for chunk in model.stream([HumanMessage(QUESTION)])]
        counted = model.invoke("Count from 1 to 20, separated by commas.", stop=["7"])
    assert len(chunks) > 1
    assert "Paris" in "".join(str(c) for c in chunks)
    assert "6" in str(counted.content) and "7" not in str(counted.content)  # stop is honoured


@pytest.mark.slow
def test_local_model_other_answer_length_shares_weights(local_model_settings: Settings) -> None:
    short = local_model_settings.model_copy(update={"max_answer_tokens": 4})
    model = local_chat_model(short)
    assert model.max_tokens == 4
    assert model.client is local_chat_model(local_model_settings).client
    with GENERATION_LOCK:
        reply = model.invoke("Count from 1 to 100, separated by commas.")
    assert reply.response_metadata.get("finish_reason") == "length"


@pytest.mark.slow
def test_openai_server_answers(openai_server: str) -> None:
    model = openai_chat_model(Settings(openai_base_url=openai_server, openai_model="local"))
    chunks = [chunk.content for chunk in model.stream([HumanMessage(QUESTION)])]
    assert len(chunks) > 1
    assert "Paris" in "".join(str(c) for c in chunks)

    capped = openai_chat_model(
        Settings(openai_base_url=openai_server, openai_model="local", max_answer_tokens=5)
    )
    reply = capped.invoke("Count from 1 to 100, separated by commas.")
    assert reply.response_metadata.get("finish_reason") == "length"  # the cap reaches the server


def test_openai_without_base_url_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"^set NEWSDESK_OPENAI_BASE_URL=http://host:port/v1"):
        openai_chat_model(Settings(openai_base_url=None))


def test_openai_key_is_kept_secret() -> None:
    secret = SecretStr("sk-very-secret")
    model = openai_chat_model(
        Settings(openai_base_url="http://127.0.0.1:9/v1", openai_api_key=secret)
    )
    assert "sk-very-secret" not in repr(model)
    assert model.openai_api_key == secret


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.mark.parametrize("kind", ["refused", "silent"])
def test_openai_unreachable_fails_fast(kind: str, request: pytest.FixtureRequest) -> None:
    port = free_port() if kind == "refused" else request.getfixturevalue("silent_server")
    settings = Settings(openai_base_url=f"http://127.0.0.1:{port}/v1", openai_timeout_s=2.0)
    model = openai_chat_model(settings)
    start = time.monotonic()
    with pytest.raises(openai.APIConnectionError):  # APITimeoutError is a subclass
        model.invoke(QUESTION)
    assert time.monotonic() - start < 10


def test_available_answerers(monkeypatch: pytest.MonkeyPatch) -> None:
    assert available_answerers(Settings(openai_base_url=None)) == ["local", "extractive"]
    with_server = Settings(openai_base_url="http://127.0.0.1:1/v1")
    assert available_answerers(with_server) == ["local", "openai", "extractive"]
    monkeypatch.setattr(generators, "parts_installed", lambda: False)
    assert available_answerers(with_server) == ["openai", "extractive"]
