"""Plain data types that flow through ingestion: raw articles, cleaned articles, chunks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def content_hash(*parts: str, length: int = 16) -> str:
    """A short, stable sha256 hex digest of the joined parts."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:length]


@dataclass
class RawArticle:
    """An article as loaded from a file, before cleaning."""

    text: str
    file: str  # absolute path of the file it came from
    source: str  # what a citation shows: the file path, or the article URL
    title: str | None = None
    publisher: str | None = None
    published_at: str | None = None  # ISO date or datetime
    external_id: str | None = None  # e.g. the `id` field of a .jsonl line


@dataclass
class Article:
    """A cleaned article: the unit that is stored, cited and highlighted."""

    doc_id: str
    title: str
    text: str  # cleaned full text; chunk offsets point into it
    file: str
    source: str
    publisher: str = ""
    published_at: str = ""  # ISO date, "" when unknown
    date_confidence: str = ""  # "metadata", "dateline", "caption" or ""
    external_id: str = ""
    ingested_at: str = ""
    url: str = ""  # the article's web address ("" for a file without one)
    updated_at: str = ""  # ISO date of this version when it is a later update, else ""
    version: int = 1  # 1, then +1 for each changed text fetched from the same URL
    story: str = ""  # near-duplicate group: wire copies of one story share it (index/intake)

    def metadata(self) -> dict[str, str | int]:
        """Metadata stored with the article and copied onto each of its chunks."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "file": self.file,
            "source": self.source,
            "publisher": self.publisher,
            "published_at": self.published_at,
            "date_confidence": self.date_confidence,
            "external_id": self.external_id,
            "ingested_at": self.ingested_at,
            "url": self.url,
            "updated_at": self.updated_at,
            "version": self.version,
            "story": self.story,
        }


@dataclass
class Chunk:
    """A passage of an article: ``article.text[start:end] == text``."""

    chunk_id: str
    doc_id: str
    position: int
    start: int
    end: int
    text: str
    metadata: dict[str, str | int] = field(default_factory=dict)

    @property
    def words(self) -> int:
        """Number of whitespace-separated words."""
        return len(self.text.split())
