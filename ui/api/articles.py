"""``/api/v1/articles``: list (paged, filtered), upload, add by URL, delete.

Uploads go through :meth:`qa.library.Library.add_uploads` exactly like the chat's library
tab: files are written to a private temporary folder, copied into the uploads folder under a
sanitized base name, ingested, and the temporary folder is removed.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from enum import Enum
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from index.intake.results import ItemResult, SourceResult
from index.intake.service import IntakeError
from index.store import store_errors
from index.uploads import sanitize_filename
from qa.conversations import public_source
from ui.api import schemas as s
from ui.api.errors import scrub
from ui.api.service import Service

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": ".txt .md .html .htm .jsonl",
                        }
                    },
                    "required": ["files"],
                }
            },
            "application/json": {"schema": s.UrlRequest.model_json_schema()},
        },
    }
}


def filter_articles(
    docs: list[dict[str, Any]],
    title: str | None = None,
    publisher: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Articles matching every filter, newest first (undated last), then by title.

    >>> docs = [{"title": "Kerry in Munich", "publisher": "Reuters", "published_at": "2016-02-10"},
    ...         {"title": "Aleppo", "publisher": "AP", "published_at": "2016-02-12"}]
    >>> [d["title"] for d in filter_articles(docs, publisher="reuters")]
    ['Kerry in Munich']
    >>> [d["title"] for d in filter_articles(docs, date_from=dt.date(2016, 2, 11))]
    ['Aleppo']
    """
    words = (title or "").lower().split()
    want = (publisher or "").strip().lower()
    out = []
    for d in docs:
        day = str(d.get("published_at") or "")[:10]
        if any(w not in str(d.get("title", "")).lower() for w in words):
            continue
        if want and want not in str(d.get("publisher") or "").lower():
            continue
        if date_from and (not day or day < date_from.isoformat()):
            continue
        if date_to and (not day or day > date_to.isoformat()):
            continue
        out.append(d)
    out.sort(key=lambda d: str(d.get("title", "")).lower())
    out.sort(key=lambda d: str(d.get("published_at") or "")[:10], reverse=True)
    return out


def article_out(doc: dict[str, Any]) -> s.ArticleOut:
    """The public view of an article's metadata."""
    return s.ArticleOut(
        doc_id=str(doc["doc_id"]),
        title=str(doc.get("title") or ""),
        publisher=str(doc.get("publisher") or ""),
        published_at=str(doc.get("published_at") or ""),
        source=public_source(doc.get("source") or doc.get("file")),
    )


def add_article_routes(api: APIRouter, service: Service) -> None:
    """Register the library routes on ``api``."""
    tags: list[str | Enum] = ["articles"]

    @api.get("/articles", response_model=s.ArticlePage, tags=tags)
    def list_articles(
        page: int = Query(1, ge=1),
        per_page: int = Query(50, ge=1, le=500),
        title: str | None = Query(None, max_length=200, description="Words of the title."),
        publisher: str | None = Query(None, max_length=200, description="Part of the name."),
        date_from: dt.date | None = Query(None, description="YYYY-MM-DD, inclusive."),
        date_to: dt.date | None = Query(None, description="YYYY-MM-DD, inclusive."),
    ) -> s.ArticlePage:
        """The library, newest first, filtered by title words, publisher and date."""
        with store_errors(service.settings):
            docs = list(service.assistant.library.docs())
        rows = filter_articles(docs, title, publisher, date_from, date_to)
        start = (page - 1) * per_page
        return s.ArticlePage(
            total=len(rows),
            page=page,
            per_page=per_page,
            articles=[article_out(d) for d in rows[start : start + per_page]],
        )

    @api.post("/articles", response_model=s.IngestResponse, tags=tags, openapi_extra=UPLOAD_BODY)
    async def add_articles(request: Request) -> s.IngestResponse:
        """Upload files (multipart field `files`), or `{"url": ...}` as JSON."""
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/json"):
            return await _add_by_url(request, service)
        if not kind.startswith("multipart/form-data"):
            raise HTTPException(
                415, 'send multipart/form-data with "files", or JSON {"url": "https://..."}'
            )
        return await _add_uploads(request, service)

    @api.delete("/articles/{doc_id}", response_model=s.Deleted, tags=tags)
    def remove_article(doc_id: str) -> s.Deleted:
        """Delete an article and exactly its chunks (and its uploaded copy)."""
        try:
            with service.write_lock:
                title = service.assistant.library.delete_with_upload(doc_id)
        except KeyError:
            raise HTTPException(404, f"no article with id {doc_id[:80]!r}") from None
        return s.Deleted(doc_id=doc_id, title=title)


async def _add_by_url(request: Request, service: Service) -> s.IngestResponse:
    """``POST /articles`` with ``{"url": ...}``: fetch and ingest one web address."""
    try:
        body = s.UrlRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise HTTPException(422, f"{where}: {first['msg']}") from None
    if service.url_intake is None:
        raise HTTPException(501, "adding articles by URL is not available on this server")
    try:
        result = await run_in_threadpool(_locked, service, service.url_intake, body.url)
    except IntakeError as exc:  # not an http(s) URL with a host
        raise HTTPException(400, str(exc)) from None
    if result.status == "failed" and not result.items:  # unreachable, refused, not an article
        raise HTTPException(422, f"{body.url}: {result.detail}")
    return ingest_response(url_results(result))


#: The intake's words for what happened to an article, in the upload results' words.
_URL_STATUS = {"added": "added", "updated": "replaced", "unchanged": "unchanged"}


def url_results(result: SourceResult) -> list[dict[str, str]]:
    """One upload-style result per article a URL gave (a page: one; a feed or sitemap: each)."""
    items = result.items or [ItemResult(result.url, result.status, result.detail, result.title)]
    return [
        {
            "file": i.url,
            "status": _URL_STATUS.get(i.status, "skipped"),
            "detail": i.detail,
            "title": i.title,
        }
        for i in items
    ]


async def _add_uploads(request: Request, service: Service) -> s.IngestResponse:
    """``POST /articles`` as multipart: save the files in a private folder, then ingest them."""
    limit = service.settings.max_upload_files
    form = await request.form(max_files=limit + 1, max_fields=20)
    uploads = [f for f in form.getlist("files") + form.getlist("file") if isinstance(f, UploadFile)]
    if not uploads:
        raise HTTPException(400, 'no file: send the files in the multipart field "files"')
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-api-upload-"))
    try:
        paths = [await _save(f, tmp, i) for i, f in enumerate(uploads)]
        library = service.assistant.library
        results = await run_in_threadpool(_locked, service, library.add_uploads, paths, None, [tmp])
    finally:
        await form.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return ingest_response(results)


def ingest_response(results: list[dict[str, str]]) -> s.IngestResponse:
    """Ingest results with every server path cut to its base name."""
    return s.IngestResponse(
        results=[
            s.IngestResult.model_validate({k: scrub(str(v)) for k, v in r.items()}) for r in results
        ]
    )


def _locked(service: Service, fn: Any, *args: Any) -> Any:
    with service.write_lock:
        return fn(*args)


async def _save(upload: UploadFile, folder: Path, i: int) -> Path:
    """Write one uploaded file into its own sub-folder (so equal names do not collide)."""
    target = folder / str(i) / sanitize_filename(upload.filename or "upload")
    target.parent.mkdir()
    with target.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
    return target
