"""Read article files (.txt, .md, .html/.htm, .jsonl) into :class:`RawArticle` objects.

Every problem with an input becomes a :class:`Skipped` record with a one-line reason, so a
bad file never stops the rest of an ingest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from index.documents import RawArticle

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES


@dataclass
class Skipped:
    """An input that was not ingested, and why (one line)."""

    where: str
    reason: str


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    """Yield the files under the given files and folders (sorted), or a Skipped for bad paths."""
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            yield Skipped(str(raw), "no such file or folder")
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(p.startswith(".") for p in child.parts[-1:]):
                    yield child.resolve()
        else:
            yield path.resolve()


def _read_text(path: Path, max_bytes: int) -> str:
    """Read a file as UTF-8, raising ValueError with a user-facing reason."""
    size = path.stat().st_size
    if size == 0:
        raise ValueError("empty file")
    if size > max_bytes:
        raise ValueError(
            f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
            "(raise NEWSDESK_MAX_FILE_MB to allow it)"
        )
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise ValueError("binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 (byte {exc.start}); re-save the file as UTF-8") from None
    if not text.strip():
        raise ValueError("file has no text")
    return text


def _load_text(path: Path, text: str) -> RawArticle:
    return RawArticle(text=text, file=str(path), source=str(path))


def _load_html(path: Path, html: str) -> RawArticle:
    import trafilatura  # imported lazily: it is slow to import

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False, url=None
    )
    body = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not body:
        raise ValueError("no article text found in the HTML")
    title = getattr(doc, "title", None) or None
    return RawArticle(
        text=(title + "\n\n" + body) if title else body,
        file=str(path),
        source=getattr(doc, "url", None) or str(path),
        title=title,
        publisher=getattr(doc, "sitename", None) or None,
        published_at=getattr(doc, "date", None) or None,
    )


def _load_jsonl(path: Path, text: str) -> Iterator[RawArticle | Skipped]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(where, f"not valid JSON ({exc.msg})")
            continue
        if not isinstance(record, dict):
            yield Skipped(where, "line is not a JSON object")
            continue
        body = record.get("body") or record.get("text")
        if not isinstance(body, str) or not body.strip():
            yield Skipped(where, "missing or empty 'body'")
            continue
        title = record.get("title")
        title = title.strip() if isinstance(title, str) and title.strip() else None
        url = record.get("url") if isinstance(record.get("url"), str) else None
        ext_id = record.get("id")
        yield RawArticle(
            text=(title + "\n\n" + body) if title else body,
            file=str(path),
            source=url or f"{path}#{ext_id if ext_id is not None else lineno}",
            title=title,
            publisher=record.get("source") if isinstance(record.get("source"), str) else None,
            published_at=(
                record.get("published_at") if isinstance(record.get("published_at"), str) else None
            ),
            external_id=str(ext_id) if ext_id is not None else None,
        )


def load_file(path: Path, max_bytes: int = 50_000_000) -> Iterator[RawArticle | Skipped]:
    """Load one file into raw articles; problems are yielded as Skipped records."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield Skipped(
            str(path),
            f"unsupported file type '{suffix or path.name}' "
            f"(use {', '.join(sorted(SUPPORTED_SUFFIXES))})",
        )
        return
    try:
        text = _read_text(path, max_bytes)
    except (OSError, ValueError) as exc:
        yield Skipped(str(path), str(exc))
        return
    try:
        if suffix in TEXT_SUFFIXES:
            yield _load_text(path, text)
        elif suffix in HTML_SUFFIXES:
            yield _load_html(path, text)
        else:
            yield from _load_jsonl(path, text)
    except ValueError as exc:
        yield Skipped(str(path), str(exc))
