"""What the intake reports: one :class:`ItemResult` per article URL, one :class:`SourceResult`
per URL given to it (a page, a feed or a sitemap)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ItemResult:
    """What happened to one article URL."""

    url: str
    status: str  # added / updated / unchanged / failed
    detail: str = ""
    title: str = ""

    def line(self) -> str:
        """``status  URL: title or reason``."""
        tail = self.detail if self.status == "failed" else (self.title or self.detail)
        return f"{self.status:<9} {self.url}" + (f": {tail}" if tail else "")


OnItem = Callable[[ItemResult], None]


@dataclass
class SourceResult:
    """What happened to one URL given to the intake: a page, a feed or a sitemap."""

    url: str
    status: str  # added / updated / unchanged / failed
    detail: str = ""
    kind: str = ""
    title: str = ""
    items: list[ItemResult] = field(default_factory=list)
    texts_embedded: int = 0
    chunks_written: int = 0
    seconds: float = 0.0

    def count(self, status: str) -> int:
        """Items with this status."""
        return sum(1 for i in self.items if i.status == status)

    def add(self, item: ItemResult, on_item: OnItem | None) -> None:
        """Append an item's outcome and tell the caller."""
        self.items.append(item)
        if on_item:
            on_item(item)

    def summarize(self) -> None:
        """Set status and detail from the items: ``N added, N updated, … · N texts embedded``."""
        added, updated = self.count("added"), self.count("updated")
        failed, unchanged = self.count("failed"), self.count("unchanged")
        self.status = "added" if added else "updated" if updated else "unchanged"
        self.detail = (
            f"{added} added, {updated} updated, {unchanged} unchanged, {failed} failed"
            f" · {self.texts_embedded} texts embedded"
        )

    def line(self) -> str:
        """One line: ``status  URL: what happened``."""
        return f"{self.status:<9} {self.url}" + (f": {self.detail}" if self.detail else "")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "url": self.url,
            "status": self.status,
            "detail": self.detail,
            "kind": self.kind,
            "title": self.title,
            "items": [i.__dict__ for i in self.items],
            "texts_embedded": self.texts_embedded,
        }
