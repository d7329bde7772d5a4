"""The one settings object for Newsdesk.

Values come, in order of precedence, from keyword arguments, ``NEWSDESK_*`` environment
variables, a ``newsdesk.toml`` file in the working directory, and the defaults below.

Example:
    >>> from index.settings import Settings
    >>> Settings(data_dir="/tmp/nd").store_dir.name
    'chroma'
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

Answerer = Literal["local", "openai", "extractive"]


class Settings(BaseSettings):
    """Every knob of Newsdesk; env prefix ``NEWSDESK_``, optional ``newsdesk.toml``."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSDESK_", toml_file="newsdesk.toml", extra="ignore"
    )

    # Where everything the project writes lives: store, caches, assembled model.
    data_dir: Path = Path(".newsdesk")
    collection: str = "newsdesk"
    chroma_url: str | None = Field(
        default=None, description="http://host:port of a Chroma server; embedded store if unset"
    )

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the shared database (feeds, conversations, feedback); "
        "a SQLite file in the data dir if unset",
    )

    # Chunking: sentence-aware, about `chunk_words` words, overlapping by up to
    # `chunk_overlap_words` words of whole trailing sentences.
    chunk_words: int = 120
    chunk_overlap_words: int = 30

    # Embeddings (bundled all-MiniLM-L6-v2). The onnx backend (int8, no torch) records the
    # model as "all-MiniLM-L6-v2-int8", so a store is never filled from both backends.
    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_backend: Literal["torch", "onnx"] = "torch"
    embed_batch_size: int = 64
    # Cache chunk embeddings by content hash (cache_dir/embeddings.sqlite), so re-ingesting,
    # rebuilding or re-chunking re-embeds only the texts never embedded before.
    embed_cache: bool = True
    write_batch_size: int = 256
    torch_threads: int = 1

    # Question answering.
    answerer: Answerer = "local"
    top_k: int = 3
    max_question_chars: int = 2000
    n_threads: int = Field(default_factory=lambda: os.cpu_count() or 2)
    n_ctx: int = 4096
    max_answer_tokens: int = 160
    # Each passage in the prompt is cut to ~this many words around its best sentence. Prompt
    # tokens set the time to an answer (~37 tokens/s on a 2-core AVX2 CPU): on the dev split's
    # passages, 90 words gave a median of 285 answer-prompt tokens, 65 about 230.
    prompt_passage_words: int = 65
    condense: bool = True
    # Prompt-lookup decoding for the local model: propose this many tokens copied from the
    # prompt per step (0 = off). Measured with `newsdesk dev bench --only answer` on and off.
    prompt_lookup_tokens: int = 0

    # OpenAI-compatible server (Ollama, vLLM, llama.cpp server, OpenAI).
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_api_key: SecretStr | None = None
    openai_timeout_s: float = 60.0

    # Serving.
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None  # "user:pass"
    auth_file: Path | None = Field(
        default=None,
        description="File holding the chat's USER:PASSWORD (first line), so it is not on the "
        "command line where `ps` shows it",
    )
    api_keys: SecretStr | None = Field(
        default=None,
        description="Comma-separated keys; when set (or api_keys_file), every /api/ and /v1/ "
        "call needs `Authorization: Bearer KEY`",
    )
    api_keys_file: Path | None = Field(
        default=None, description="File with one API key per line (# starts a comment)"
    )
    max_request_kb: int = Field(
        default=1024, description="Largest JSON body the API accepts (413 above it)"
    )
    max_upload_mb: float = 20.0
    max_upload_files: int = 20

    # Ingest limits.
    max_file_mb: float = 50.0

    # News intake (index/intake): feeds, sitemaps and article pages fetched over HTTP(S).
    feed_refresh_minutes: float = Field(
        default=30.0,
        description="default refresh interval of a feed; `newsdesk serve` refreshes due feeds "
        "in the background (0 turns the background refresh off)",
    )
    fetch_allow_private: bool = Field(
        default=False,
        description="allow fetching URLs that resolve to loopback/private/ULA addresses "
        "(tests, a newsroom intranet); link-local and metadata addresses stay refused",
    )
    fetch_allow_hosts: str = Field(
        default="", description="comma-separated host names allowed even on private addresses"
    )
    fetch_timeout_s: float = 20.0  # connect and per-read timeout; a whole response gets 2x
    fetch_max_mb: float = 10.0  # largest response read (streamed, cut off beyond)
    fetch_max_redirects: int = 5
    fetch_host_delay_s: float = 1.0  # between two requests to one host (robots.txt may ask more)
    fetch_max_items: int = 200  # newest items fetched from one feed or sitemap per refresh
    # Items whose feed entry did not change are not fetched again, except this many per
    # refresh of a changed feed (least recently fetched first, conditional GETs): corrections
    # that leave the feed entry alone are found too, a few at a time.
    fetch_recheck_items: int = 5
    fetch_user_agent: str = "Newsdesk/0.1 (news intake; python-httpx)"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then env, then ``newsdesk.toml``."""
        return (init_settings, env_settings, _TomlWithoutSecrets(settings_cls))

    @model_validator(mode="after")
    def _onnx_model_name(self) -> Settings:
        """The onnx backend's vectors differ slightly: give its stores their own model name."""
        if self.embedding_backend == "onnx" and self.embedding_model == "all-MiniLM-L6-v2":
            self.embedding_model = "all-MiniLM-L6-v2-int8"
        return self

    @property
    def store_dir(self) -> Path:
        """Embedded Chroma directory."""
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        """Embedding cache, BM25 indexes and other derived data."""
        return self.data_dir / "cache"

    @property
    def models_dir(self) -> Path:
        """Where the bundled generator is assembled."""
        return self.data_dir / "models"

    @property
    def store_location(self) -> str:
        """Human-readable location of the store: a URL or a path."""
        return self.chroma_url or str(self.store_dir.resolve())


class _TomlWithoutSecrets(TomlConfigSettingsSource):
    """``newsdesk.toml`` values, minus secrets: API keys come only from the environment."""

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        for secret in ("openai_api_key", "api_keys"):
            values.pop(secret, None)
        return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
