"""Drafting: the answer and condense prompts run through a chat model, tokens counted.

:class:`ChatModels` builds each answerer's chat model once (from a factory, so tests can pass
scripted models) with the lock to hold while generating; :class:`Generator` streams drafts and
rewrites follow-ups, and records what the local model processed (prompt tokens evaluated,
prompt tokens reused from llama.cpp's KV cache, tokens generated) from llama.cpp's own counters.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from index.embeddings import ModelMissingError
from index.errors import NewsdeskError
from index.settings import Settings
from qa.answer import Passage
from qa.generators import GENERATION_LOCK, default_chat_model
from qa.prompts import ANSWER_PROMPT, CONDENSE_PROMPT, SECOND_LOOK_PROMPT, answer_inputs

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.prompts import ChatPromptTemplate

log = logging.getLogger(__name__)


class AnswererError(NewsdeskError, RuntimeError):
    """The generator failed (e.g. the OpenAI-compatible server is unreachable)."""


class ChatModels:
    """Chat models by answerer name, built once on first use, each with the lock to hold
    while generating (one llama.cpp context serves one request at a time)."""

    def __init__(
        self, settings: Settings, factory: Callable[[str], BaseChatModel] | None = None
    ) -> None:
        self.settings = settings
        self._factory = factory or default_chat_model(settings)
        self._built: dict[str, tuple[BaseChatModel, AbstractContextManager[Any]]] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> tuple[BaseChatModel, AbstractContextManager[Any]]:
        """The model and its generation lock; AnswererError (one line) when it cannot be built."""
        with self._lock:
            if name not in self._built:
                try:
                    model = self._factory(name)
                except ModelMissingError as exc:  # names the package to reinstall
                    raise AnswererError(str(exc)) from None
                except Exception as exc:  # no base URL, a model file llama.cpp cannot load
                    raise AnswererError(generator_failure(name, exc, self.settings)) from None
                lock = GENERATION_LOCK if name == "local" else nullcontext()
                self._built[name] = (model, lock)
            return self._built[name]


class Generator:
    """Runs the answer and condense prompts through a chat model, counting model tokens."""

    def __init__(self, settings: Settings, models: ChatModels) -> None:
        self.settings = settings
        self.models = models

    def draft(
        self, name: str, question: str, passages: list[Passage], tokens: dict[str, int]
    ) -> Iterator[str]:
        """Stream the model's plain answer; ``tokens`` gets what the model processed."""
        s = self.settings
        inputs = answer_inputs(
            passages, question, s.prompt_passage_words, s.paraphrase_passage_words
        )
        yield from self._stream(name, ANSWER_PROMPT, inputs, tokens, "")

    def second_look(
        self,
        name: str,
        question: str,
        passages: list[Passage],
        tokens: dict[str, int],
        *,
        max_words: int = 90,
    ) -> str:
        """The model's reply to :data:`qa.prompts.SECOND_LOOK_PROMPT` over passages cut to
        ``max_words`` (not streamed to the user: it is shown only once it is verified);
        ``tokens`` gets its counts as ``second_*``."""
        inputs = answer_inputs(passages, question, max_words)
        return "".join(self._stream(name, SECOND_LOOK_PROMPT, inputs, tokens, "second_"))

    def _stream(
        self,
        name: str,
        prompt: ChatPromptTemplate,
        inputs: dict[str, str],
        tokens: dict[str, int],
        prefix: str,
    ) -> Iterator[str]:
        """Run ``prompt`` through the answerer's model under its lock, counting tokens."""
        from langchain_core.output_parsers import StrOutputParser

        model, lock = self.models.get(name)
        chain = prompt | model | StrOutputParser()
        with lock, _Usage(model, tokens, prefix):
            try:
                yield from chain.stream(inputs)
            except Exception as exc:  # network errors, timeouts, server errors
                raise AnswererError(generator_failure(name, exc, self.settings)) from None

    def rewriter(self, name: str, tokens: dict[str, int]) -> Callable[[str, str], str]:
        """A condense function for :func:`qa.condense.condense` (called only when needed)."""
        from langchain_core.output_parsers import StrOutputParser

        def rewrite(history: str, question: str) -> str:
            try:
                model, lock = self.models.get(name)
                with lock, _Usage(model, tokens, "condense_"):
                    chain = CONDENSE_PROMPT | model | StrOutputParser()
                    return str(chain.invoke({"history": history, "question": question}))
            except Exception:  # condensing is best effort: the guard takes over
                log.warning("condensing with %s failed; using the previous question", name)
                return ""

        return rewrite

    def warm_up(self, name: str) -> None:
        """Build the model now (loads the local weights)."""
        self.models.get(name)


class _Usage:
    """Add the llama.cpp context's prompt/generation token counts of a call to ``tokens``."""

    def __init__(self, model: Any, tokens: dict[str, int], prefix: str) -> None:
        self.llama = getattr(model, "client", None)
        self.ctx = _llama_ctx(model)
        self.tokens, self.prefix = tokens, prefix
        self.before: tuple[int, int] = (0, 0)

    def __enter__(self) -> None:
        if self.ctx is not None:
            self.before = _perf(self.ctx)

    def __exit__(self, *exc: object) -> None:
        if self.ctx is None:
            return
        p_eval, n_eval = _perf(self.ctx)
        prompt = p_eval - self.before[0]
        generated = n_eval - self.before[1]
        # The context now holds the whole prompt and the generated tokens: what of the prompt
        # was not evaluated came from the KV cache (the shared prefix of the last prompt).
        in_context = int(getattr(self.llama, "n_tokens", 0))
        cached = max(0, in_context - generated - prompt)
        for key, value in (("prompt", prompt), ("prompt_cached", cached), ("generated", generated)):
            name = self.prefix + key
            self.tokens[name] = self.tokens.get(name, 0) + value


def _llama_ctx(model: Any) -> Any:
    client = getattr(model, "client", None)
    ctx = getattr(getattr(client, "_ctx", None), "ctx", None)
    return ctx


def _perf(ctx: Any) -> tuple[int, int]:
    import llama_cpp

    data = llama_cpp.llama_perf_context(ctx)
    return int(data.n_p_eval), int(data.n_eval)


def generator_failure(name: str, exc: BaseException, settings: Settings) -> str:
    """One line saying which generator failed, why, and what to do."""
    detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    if len(key) >= 6:  # a server may echo the key back in its error: never show or log it
        detail = detail.replace(key, "***")
    detail = detail[:160]
    timed_out = "timeout" in type(exc).__name__.lower() or "timed out" in detail.lower()
    if name == "openai" and timed_out:
        detail = f"no reply within {settings.openai_timeout_s:g} s, NEWSDESK_OPENAI_TIMEOUT_S"
    if name == "openai":
        return (
            f"the OpenAI-compatible server at {settings.openai_base_url} failed ({detail}): "
            "check that it is running, or use --answerer local/extractive"
        )
    return f"the local generator failed ({detail})"
