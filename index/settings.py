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
    data_dir: Path = Field(
        default=Path(".newsdesk"),
        description=(
            "where everything Newsdesk writes lives: store, caches, assembled model, database"
        ),
    )
    collection: str = Field(
        default="newsdesk",
        description="name of the Chroma collection (articles and chunks)",
    )
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
    chunk_words: int = Field(
        default=120,
        description="about this many words per chunk (sentence-aware; a sentence is never cut)",
    )
    chunk_overlap_words: int = Field(
        default=30,
        description="chunks overlap by up to this many words of whole trailing sentences",
    )

    # Embeddings (bundled all-MiniLM-L6-v2). The onnx backend (int8, no torch) records the
    # model as "all-MiniLM-L6-v2-int8", so a store is never filled from both backends.
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="embedding model recorded in the store (a store never mixes two models)",
    )
    embedding_backend: Literal["torch", "onnx"] = Field(
        default="torch",
        description="torch (sentence-transformers) or onnx (int8, no torch; its own model name)",
    )
    embed_batch_size: int = Field(
        default=64,
        description="most texts per embedding forward pass and per progress step",
    )
    # Cache chunk embeddings by content hash (cache_dir/embeddings.sqlite), so re-ingesting,
    # rebuilding or re-chunking re-embeds only the texts never embedded before.
    embed_cache: bool = Field(
        default=True,
        description=(
            "cache chunk vectors by content hash, so re-ingesting re-embeds only new texts"
        ),
    )
    write_batch_size: int = Field(default=256, description="chunks written to Chroma per call")
    torch_threads: int = Field(
        default=1,
        description="embedding threads while serving (1 keeps question latency steady)",
    )

    # Question answering.
    answerer: Answerer = Field(
        default="local",
        description="default answerer: local (bundled model), openai (a server) or extractive",
    )
    top_k: int = Field(default=3, description="passages given to the answerer (1-20)")
    synonym_weight: float = Field(
        default=0.3,
        ge=0.0,
        le=2.0,
        description="weight of WordNet synonyms of the question's words in lexical search (0: off)",
    )
    # Gold dev split: paraphrased chunk Hits@4 0.692 → 0.769, MultiHop-RAG dev MRR@10
    # 0.686 → 0.689 (eval/RESULTS.md, "Sentence meaning in the rerank"); on alone the answers
    # went 175 → 173 of 202, with paraphrase_passage_words 175 → 177 (+3 / −1, p = 0.63;
    # "More of the passage"). Only questions no passage sentence matches on words are touched.
    meaning_weight: float = Field(
        default=2.0,
        ge=0.0,
        le=5.0,
        description="weight of a passage's closest sentence in meaning when no sentence matches "
        "a short question's words (0: off)",
    )
    max_question_chars: int = Field(default=2000, description="longest question accepted")
    n_threads: int = Field(
        default_factory=lambda: os.cpu_count() or 2,
        description="llama.cpp threads for the local model (default: all cores)",
    )
    n_ctx: int = Field(
        default=4096,
        description="llama.cpp context window of the local model, in tokens",
    )
    max_answer_tokens: int = Field(
        default=160,
        description="most tokens a model may generate for one answer",
    )
    # The passages in the prompt get this many words each on average, the first more
    # (qa.prompts.passage_words: 106/53/35 for three), cut to the sentences that bear most on
    # the question. Prompt tokens set the time to an answer (~37 tokens/s on a 2-core AVX2
    # CPU): on the dev split's passages, 90 words gave a median of 285 answer-prompt tokens,
    # 65 about 230.
    prompt_passage_words: int = Field(
        default=65,
        description=(
            "words per passage in the prompt on average (the first passage gets more), cut "
            "to the sentences that bear most on the question (prompt tokens set the time)"
        ),
    )
    # ... and this many when the retriever leaned on meaning (qa.prompts.prompt_words): the
    # question shares few words with the passages, so cutting them to the sentences that
    # share most is a poor guide. Dev: 26 of 202 questions; gold answer in the prompt for
    # paraphrased questions 16 → 21 of 26.
    paraphrase_passage_words: int = Field(
        default=90,
        ge=1,
        description=(
            "words per passage in the prompt when no passage sentence matched the question's "
            "words and the retriever leaned on meaning (see meaning_weight)"
        ),
    )
    condense: bool = Field(
        default=True,
        description=(
            "rewrite follow-ups into standalone questions (in code first, the model as fallback)"
        ),
    )
    # Prompt-lookup decoding for the local model: propose this many tokens copied from the
    # prompt per step (0 = off). Measured with `newsdesk dev bench --only answer` on and off.
    prompt_lookup_tokens: int = Field(
        default=0,
        description=(
            "prompt-lookup decoding for the local model: tokens proposed per step (0 = off)"
        ),
    )

    # OpenAI-compatible server (Ollama, vLLM, llama.cpp server, OpenAI).
    openai_base_url: str | None = Field(
        default=None,
        description="OpenAI-compatible server for the openai answerer (http://host:port/v1)",
    )
    openai_model: str = Field(default="gpt-4o-mini", description="model name sent to that server")
    openai_api_key: SecretStr | None = Field(
        default=None,
        description="API key of that server (environment only, never logged)",
    )
    openai_timeout_s: float = Field(default=60.0, description="seconds to wait for that server")

    # Serving.
    host: str = Field(
        default="127.0.0.1",
        description="interface the web app binds (beyond loopback needs a password or API keys)",
    )
    port: int = Field(default=7860, description="port of the web app and its APIs")
    auth: str | None = Field(default=None, description="the chat's USER:PASSWORD")
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
    max_upload_mb: float = Field(default=20.0, description="largest file accepted by upload")
    max_upload_files: int = Field(default=20, description="most files in one upload")

    # Ingest limits.
    max_file_mb: float = Field(default=50.0, description="largest file ingested")

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
    fetch_timeout_s: float = Field(
        default=20.0,
        description="connect and per-read timeout of a fetch (a whole response gets twice that)",
    )
    fetch_max_mb: float = Field(
        default=10.0,
        description="largest response read when fetching (cut off beyond)",
    )
    fetch_max_redirects: int = Field(
        default=5,
        description="most redirects followed (each checked against private addresses)",
    )
    fetch_host_delay_s: float = Field(
        default=1.0,
        description="seconds between two requests to one host (robots.txt may ask more)",
    )
    fetch_max_items: int = Field(
        default=200,
        description="newest items fetched from one feed or sitemap per refresh",
    )
    # Items whose feed entry did not change are not fetched again, except this many per
    # refresh of a changed feed (least recently fetched first, conditional GETs): corrections
    # that leave the feed entry alone are found too, a few at a time.
    fetch_recheck_items: int = Field(
        default=5,
        description="unchanged items re-checked (conditional GET) per refresh of a changed feed",
    )
    fetch_user_agent: str = Field(
        default="Newsdesk/0.1 (news intake; python-httpx)",
        description="User-Agent of every fetch",
    )

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
        for secret in ("openai_api_key", "api_keys", "embedding_api_key"):
            values.pop(secret, None)
        return values


#: Every setting, by the area it configures (README's configuration table is generated from this
#: and the fields' descriptions: ``python -m index.settings``; a test keeps them in step).
AREAS: dict[str, tuple[str, ...]] = {
    "store": ("data_dir", "collection", "chroma_url", "database_url", "refresh_s",
              "chunk_words", "chunk_overlap_words", "write_batch_size", "max_file_mb"),
    "embedding": ("embedding_model", "embedding_backend", "embedding_url", "embedding_api_key",
                  "embedding_timeout_s", "embed_batch_size", "embed_cache", "torch_threads"),
    "answering": ("answerer", "top_k", "synonym_weight", "meaning_weight", "max_question_chars",
                  "n_threads", "n_ctx", "max_answer_tokens", "prompt_passage_words",
                  "paraphrase_passage_words", "condense",
                  "prompt_lookup_tokens", "openai_base_url", "openai_model", "openai_api_key",
                  "openai_timeout_s"),
    "serving": ("host", "port", "auth", "auth_file", "api_keys", "api_keys_file",
                "max_request_kb", "max_upload_mb", "max_upload_files"),
    "intake": ("feed_refresh_minutes", "fetch_allow_private", "fetch_allow_hosts",
               "fetch_timeout_s", "fetch_max_mb", "fetch_max_redirects", "fetch_host_delay_s",
               "fetch_max_items", "fetch_recheck_items", "fetch_user_agent"),
}  # fmt: skip


def settings_table() -> str:
    """The configuration table of the README (Markdown), area by area."""
    rows = ["| area | env | default | what it sets |", "|---|---|---|---|"]
    for area, names in AREAS.items():
        for name in names:
            field = Settings.model_fields[name]
            if field.default_factory is not None:
                default = "all cores" if name == "n_threads" else "computed"
            else:
                default = "unset" if field.default in (None, "") else f"`{field.default}`"
            env = f"`NEWSDESK_{name.upper()}`"
            rows.append(f"| {area} | {env} | {default} | {field.description} |")
    return "\n".join(rows)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


if __name__ == "__main__":
    print(settings_table())
