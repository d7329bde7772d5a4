"""Uploaded files: safe names, the upload limits, and the copies kept in ``data_dir/uploads``.

Files a user uploads (chat app or REST API) are checked here (count, type, size, and with
``allowed_roots`` that they really are uploads), then copied into ``settings.data_dir /
"uploads"`` under a sanitized base name: nothing is ever written outside that folder. The
Library service (:meth:`qa.library.Library.add_uploads`) ingests the copies.

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
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from index.loaders import SUPPORTED_SUFFIXES
from index.pipeline import FileResult
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


def upload_result(file: str, status: str, detail: str = "", title: str = "") -> dict[str, str]:
    """One line of an upload's outcome: ``{"file", "status", "detail", "title"}``."""
    return {"file": file, "status": status, "detail": detail, "title": title}


def upload_problem(
    src: Path, name: str, position: int, settings: Settings, roots: Sequence[Path]
) -> str | None:
    """Why the ``position``-th (0-based) uploaded file ``src``, to be saved as ``name``, is
    refused (the upload limits, its type, not an upload, gone); None when it may be saved."""
    if position >= settings.max_upload_files:
        return (
            f"over the limit of {settings.max_upload_files} files "
            "per upload (NEWSDESK_MAX_UPLOAD_FILES)"
        )
    if roots and not any(src.resolve().is_relative_to(r) for r in roots):
        return "not a file uploaded to this server"
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        return "unsupported file type (use " + ", ".join(sorted(SUPPORTED_SUFFIXES)) + ")"
    try:
        size = src.stat().st_size
    except OSError:
        return "the upload is missing on the server"
    if size > int(settings.max_upload_mb * 1e6):
        return (
            f"file is {size / 1e6:.1f} MB, over the {settings.max_upload_mb:g} MB upload limit "
            "(NEWSDESK_MAX_UPLOAD_MB)"
        )
    return None


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
    saved: list[tuple[str, Path]] = []
    rejected: list[dict[str, str]] = []
    used: set[str] = set()
    for i, raw in enumerate(paths):
        src = Path(str(raw))
        name = sanitize_filename(src.name)
        problem = upload_problem(src, name, i, settings, roots)
        if problem is None:
            name = _unique(name, used)
            try:
                saved.append((name, _copy_into(root, name, src)))
                continue
            except ValueError:  # cannot happen after sanitizing; never write elsewhere
                problem = "invalid file name"
            except OSError as exc:
                problem = f"cannot save the file ({exc.strerror})"
        rejected.append(upload_result(name, "skipped", problem))
    return saved, rejected


def _copy_into(root: Path, name: str, src: Path) -> Path:
    """Copy ``src`` to ``root / name`` atomically; ValueError if that is not inside ``root``."""
    target = (root / name).resolve()
    if target.parent != root:
        raise ValueError(name)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _unique(name: str, used: set[str]) -> str:
    """``name``, or ``stem-2.ext``, ``stem-3.ext``… when this batch already used it."""
    candidate, k = name, 1
    stem, suffix = Path(name).stem, Path(name).suffix
    while candidate.lower() in used:
        k += 1
        candidate = f"{stem}-{k}{suffix}"
    used.add(candidate.lower())
    return candidate


def is_upload_copy(file: str, settings: Settings) -> bool:
    """True when ``file`` is a copy in the uploads folder (not a file ingested in place)."""
    return bool(file) and Path(file).resolve().parent == uploads_dir(settings).resolve()


def renamed_result(result: FileResult, names: dict[str, str]) -> dict[str, str]:
    """A FileResult as an upload result: its server path replaced by the uploaded file's name.

    >>> r = FileResult("/data/uploads/a.jsonl:2", "added", "", "T")
    >>> renamed_result(r, {"/data/uploads/a.jsonl": "a.jsonl"})["file"]
    'a.jsonl:2'
    """
    where = result.where
    for path, name in names.items():
        if where == path or where.startswith(path + ":"):
            where = name + where[len(path) :]
            break
        base = Path(path).name
        if where.startswith(base + "#"):
            where = name + where[len(base) :]
            break
    return upload_result(where, result.status, result.detail, result.title)
