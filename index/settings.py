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

    refresh_s: float = Field(
        default=10.0,
        description="seconds between a replica's checks of the store's change log (the BM25 "
        "index catches up in the background); 0 turns the background check off",
    )

    # Embeddings from an OpenAI-compatible /v1/embeddings server (Infinity, TEI, vLLM).
    embedding_url: str | None = Field(
        default=None,
        description="base URL of an OpenAI-compatible embeddings server (e.g. "
        "http://gpu:7997/v1); ``embedding_model`` is the model name sent to it (and recorded "
        "in the store); the in-process model if unset",
    )
    embedding_api_key: SecretStr | None = Field(
        default=None, description="bearer key for the embeddings server (environment only)"
    )
    embedding_timeout_s: float = Field(
        default=60.0, description="timeout of one request to the embeddings server"
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
    prompt_passage_words: int = 90  # each passage is focused on the question to ~this size
    condense: bool = True

    # OpenAI-compatible server (Ollama, vLLM, llama.cpp server, OpenAI).
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_api_key: SecretStr | None = None
    openai_timeout_s: float = 60.0

    # Serving.
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None  # "user:pass"
    max_upload_mb: float = 20.0
    max_upload_files: int = 20

    # Ingest limits.
    max_file_mb: float = 50.0

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
        values.pop("openai_api_key", None)
        values.pop("embedding_api_key", None)
        return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
