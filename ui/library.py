"""Library jobs behind the UI and API: save uploads safely, ingest them, delete articles.

Thin glue over ``index.pipeline.ingest`` and ``index.store.Store``: uploaded files are copied
into ``settings.data_dir / "uploads"`` under a sanitized base name (nothing is ever written
outside that folder), then ingested with the app's store and embedder, and the retriever is
told to pick up the change at once. The app passes ``allowed_roots`` (Gradio's upload folder),
so an API client cannot make the server read any other file on its disk.

Example:
    >>> sanitize_filename("../../etc/passwd.txt")
    'passwd.txt'
    >>> sanitize_filename("C:\\\\Users\\\\me\\\\Réport <1>.md")
    'R_port__1_.md'
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from index.loaders import SUPPORTED_SUFFIXES
from index.pipeline import FileResult, Progress
from index.settings import Settings

MAX_NAME = 120


def uploads_dir(settings: Settings) -> Path:
    """Where uploaded files are kept (created on demand)."""
    return settings.data_dir / "uploads"


def sanitize_filename(name: str) -> str:
    """A safe base name: no directories, no leading dots, only ``[A-Za-z0-9._-]``."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")
    stem, dot, suffix = base.rpartition(".")
    if dot and len(base) > MAX_NAME:
        base = stem[: MAX_NAME - len(suffix) - 1] + "." + suffix
    base = base[:MAX_NAME]
    if not base or base in {".", ".."} or not base.strip("._-"):
        base = "upload"
    return base


def _result(file: str, status: str, detail: str = "", title: str = "") -> dict[str, str]:
    return {"file": file, "status": status, "detail": detail, "title": title}


def save_uploads(
    paths: Sequence[str | Path],
    settings: Settings,
    allowed_roots: Sequence[str | Path] | None = None,
) -> tuple[list[tuple[str, Path]], list[dict[str, str]]]:
    """Copy uploaded files into the uploads folder, enforcing the upload limits.

    Returns ``(saved, rejected)``: ``saved`` pairs each file's display name with its copy;
    ``rejected`` holds a ``skipped`` result (with the reason) for every file not copied.
    With ``allowed_roots``, a file that does not resolve to a path inside one of them (e.g.
    ``/etc/secret.txt`` or ``../`` out of the upload folder) is rejected, not read.
    """
    roots = [Path(r).resolve() for r in allowed_roots or []]
    dest = uploads_dir(settings)
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    limit = int(settings.max_upload_mb * 1e6)
    saved: list[tuple[str, Path]] = []
    rejected: list[dict[str, str]] = []
    used: set[str] = set()
    for i, raw in enumerate(paths):
        src = Path(str(raw))
        name = sanitize_filename(src.name)
        if i >= settings.max_upload_files:
            rejected.append(
                _result(
                    name,
                    "skipped",
                    f"over the limit of {settings.max_upload_files} files "
                    "per upload (NEWSDESK_MAX_UPLOAD_FILES)",
                )
            )
            continue
        if roots and not any(src.resolve().is_relative_to(r) for r in roots):
            rejected.append(_result(name, "skipped", "not a file uploaded to this server"))
            continue
        if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
            rejected.append(
                _result(
                    name,
                    "skipped",
                    "unsupported file type (use " + ", ".join(sorted(SUPPORTED_SUFFIXES)) + ")",
                )
            )
            continue
        try:
            size = src.stat().st_size
        except OSError:
            rejected.append(_result(name, "skipped", "the upload is missing on the server"))
            continue
        if size > limit:
            rejected.append(
                _result(
                    name,
                    "skipped",
                    f"file is {size / 1e6:.1f} MB, over the "
                    f"{settings.max_upload_mb:g} MB upload limit "
                    "(NEWSDESK_MAX_UPLOAD_MB)",
                )
            )
            continue
        name = _unique(name, used)
        target = (root / name).resolve()
        if target.parent != root:  # cannot happen after sanitizing; never write elsewhere
            rejected.append(_result(name, "skipped", "invalid file name"))
            continue
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-")
        os.close(fd)
        try:
            shutil.copyfile(src, tmp)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            rejected.append(_result(name, "skipped", f"cannot save the file ({exc.strerror})"))
            continue
        saved.append((name, target))
    return saved, rejected


def _unique(name: str, used: set[str]) -> str:
    """``name``, or ``stem-2.ext``, ``stem-3.ext``… when this batch already used it."""
    candidate, k = name, 1
    stem, suffix = Path(name).stem, Path(name).suffix
    while candidate.lower() in used:
        k += 1
        candidate = f"{stem}-{k}{suffix}"
    used.add(candidate.lower())
    return candidate


class CallbackProgress(Progress):
    """Ingest progress forwarded to ``report(done, total)`` (e.g. a ``gr.Progress``)."""

    def __init__(self, report: Callable[[int, int], None]) -> None:
        self.report = report
        self.total = 0
        self.done = 0

    def start(self, total_chunks: int) -> None:
        """Remember the total and report 0 of it."""
        self.total = total_chunks
        self.report(0, total_chunks)

    def advance(self, n: int) -> None:
        """Report one more embedded batch."""
        self.done += n
        self.report(self.done, self.total)


def ingest_uploads(
    paths: Sequence[str | Path],
    assistant: Any,
    progress: Progress | None = None,
    allowed_roots: Sequence[str | Path] | None = None,
) -> list[dict[str, str]]:
    """Save and ingest uploaded files; one result dict per input (and per ``.jsonl`` line).

    Each result has ``file``, ``status`` (added / unchanged / replaced / skipped / removed),
    ``detail`` and ``title``. New articles are answerable as soon as this returns; a saved
    copy that backs no article (every part of it was skipped) is removed again.
    Raises StoreError (one line) when the store fails, e.g. the Chroma server is down.
    """
    settings: Settings = assistant.settings
    saved, rejected = save_uploads(paths, settings, allowed_roots)
    names = {str(path): name for name, path in saved}
    results = list(rejected)
    if saved:
        library = assistant.library
        report = library.ingest([path for _, path in saved], progress)
        # Keep only copies that back an article: rejected files do not pile up on disk.
        where = {"file": {"$in": [str(path) for _, path in saved]}}
        backing = {str(d.get("file")) for d in library.docs(where=where)}
        for _, path in saved:
            if str(path) not in backing:
                path.unlink(missing_ok=True)
        results += [_from_file_result(r, names) for r in report.results]
    return results


def _from_file_result(result: FileResult, names: dict[str, str]) -> dict[str, str]:
    """A FileResult with its server path replaced by the uploaded file's name."""
    where = result.where
    for path, name in names.items():
        if where == path or where.startswith(path + ":"):
            where = name + where[len(path) :]
            break
        base = Path(path).name
        if where.startswith(base + "#"):
            where = name + where[len(base) :]
            break
    return _result(where, result.status, result.detail, result.title)


def delete_article(doc_id: str, assistant: Any) -> str:
    """Delete an article (and its upload copy, when no other article comes from that file).

    Returns the deleted article's title; raises KeyError when it is not in the store.
    """
    library = assistant.library
    docs = {d["doc_id"]: d for d in library.docs()}
    if doc_id not in docs:
        raise KeyError(doc_id)
    doc = docs[doc_id]
    library.delete(doc_id)
    file = str(doc.get("file") or "")
    root = uploads_dir(assistant.settings).resolve()
    if (
        file
        and Path(file).resolve().parent == root
        and not any(d.get("file") == file for i, d in docs.items() if i != doc_id)
    ):
        Path(file).unlink(missing_ok=True)
    return str(doc.get("title") or doc_id)
