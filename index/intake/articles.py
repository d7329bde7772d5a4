"""One article from the web: fetched (conditionally), extracted, versioned, ingested.

An article's identity is its canonical URL. A known URL is fetched with its validators (a
``304`` costs no parsing); a changed text becomes the next ``version`` of the article and
replaces the old version's chunks (:func:`index.pipeline.ingest_articles`); the first
publication date stays; a near-duplicate joins the story of its original
(:mod:`index.intake.dedupe`). The row in ``web_articles`` is written after the ingest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from index.clean import clean_article
from index.documents import Article, RawArticle, content_hash
from index.intake import dedupe
from index.intake.detect import detect
from index.intake.extract import extract_article
from index.intake.feeds import Registry, WebArticleRow, utcnow
from index.intake.fetch import Fetcher, FetchError, Response
from index.intake.results import ItemResult, OnItem, SourceResult
from index.intake.sources import Entry
from index.pipeline import FileResult, ingest_articles
from index.store import Store

if TYPE_CHECKING:
    from index.intake.service import Intake


@dataclass
class Fetched:
    """An entry's page, fetched and extracted (or why not)."""

    entry: Entry
    article: Article | None = None
    result: ItemResult | None = None  # set when there is nothing to ingest
    response: Response | None = None
    old: WebArticleRow | None = None
    signature: object = None  # its MinHash, once given a story


def stored(store: Store, old: WebArticleRow | None) -> bool:
    """True when the article of a known row is (still) in the store."""
    return old is not None and bool(old.doc_id) and bool(store.existing_docs([old.doc_id]))


def get_again(fetcher: Fetcher, url: str, old: WebArticleRow | None, fresh: bool) -> Response:
    """GET an article URL, conditionally when its stored version is ``fresh``."""
    known = old if fresh else None
    return fetcher.get(
        url,
        etag=known.etag if known else None,
        last_modified=known.last_modified if known else None,
    )


def fetch_entry(
    intake: Intake, entry: Entry, old: WebArticleRow | None, fresh: bool, feed_title: str
) -> Fetched:
    """Fetch and extract a feed entry's page (a ``304`` leaves it unchanged)."""
    try:
        response = get_again(intake.fetcher, entry.link, old, fresh)
    except FetchError as exc:
        return Fetched(entry, result=ItemResult(entry.link, "failed", exc.reason))
    if response.not_modified and old is not None:
        item = ItemResult(old.url, "unchanged", "not modified (304)", old.title)
        return Fetched(entry, result=item, old=old)
    return extract(intake.registry, entry, response, old, feed_title)


def extract(
    registry: Registry,
    entry: Entry,
    response: Response,
    old: WebArticleRow | None,
    feed_title: str = "",
) -> Fetched:
    """Turn a fetched page into a clean article with its content-hash id (or say why not)."""
    kind = detect(response.content, response.content_type)
    if kind not in ("page", "unknown"):
        what = f"a {kind.replace('_', ' ')}, not an article page"
        return Fetched(entry, result=ItemResult(entry.link, "failed", what))
    try:
        ex = extract_article(response.content, response.url)
    except ValueError as exc:
        return Fetched(entry, result=ItemResult(entry.link, "failed", str(exc)))
    if old is None or old.url != ex.url:
        old = registry.article(ex.url) or old
    title = ex.title or entry.title
    host = ex.url.split("/")[2] if "//" in ex.url else ""
    raw = RawArticle(
        text=(title + "\n\n" + ex.text) if title else ex.text,
        file=ex.url,
        source=ex.url,
        title=title or None,
        publisher=ex.publisher or entry.publisher or feed_title or host,
        published_at=ex.published_at or entry.published or (old.published_at if old else ""),
    )
    try:
        article = clean_article(raw)
    except ValueError as exc:
        return Fetched(entry, result=ItemResult(entry.link, "failed", str(exc)))
    article.doc_id = content_hash(article.text, ex.url)
    article.url = ex.url
    article.updated_at = ex.updated_at or entry.updated
    return Fetched(entry, article=article, response=response, old=old)


def set_version(a: Article, old: WebArticleRow | None) -> None:
    """Keep the first publication date; a changed text is the next version, updated today
    when it says no date; an "update" not after publication is no update."""
    if old is not None:
        changed = old.doc_id != a.doc_id
        a.published_at = old.published_at or a.published_at
        a.version = old.version + (1 if changed else 0)
        if changed and not a.updated_at:  # a correction with no date: the day we saw it
            a.updated_at = datetime.now(UTC).date().isoformat()
        if not changed:
            a.updated_at = old.updated_at or a.updated_at
    if a.updated_at and a.updated_at <= a.published_at:
        a.updated_at = ""


def set_story(copies: dedupe.CopyIndex, f: Fetched) -> None:
    """Put the article in the story of its nearest copy (else its old story, else its own)."""
    a, old = f.article, f.old
    assert a is not None
    f.signature = dedupe.signature(a.text)
    match = copies.best(f.signature, exclude=a.url)
    a.story = match.story if match else (old.story if old and old.story else a.url)
    copies.add(a.url, f.signature, a.story)


def ingest_batch(
    intake: Intake,
    batch: list[Fetched],
    feed_id: int | None,
    result: SourceResult,
    on_item: OnItem | None,
) -> None:
    """Give versions and stories to a batch of fetched entries, ingest them, record each."""
    now = utcnow()
    ready: list[Fetched] = []
    for f in batch:
        if f.article is None:
            _record_unfetched(intake.registry, f, feed_id, now, result, on_item)
            continue
        set_version(f.article, f.old)
        set_story(intake.copies(), f)
        ready.append(f)
    if not ready:
        return
    statuses = _ingest(intake, ready, result)
    for f in ready:
        item = _outcome(f, statuses)
        if item.status != "failed":
            intake.registry.save_article(_row(f, feed_id, now))
        result.add(item, on_item)
    intake.changed()


def _record_unfetched(
    registry: Registry,
    f: Fetched,
    feed_id: int | None,
    now: datetime,
    result: SourceResult,
    on_item: OnItem | None,
) -> None:
    """Report an entry with nothing to ingest; an unchanged one counts as fetched now."""
    item = f.result or ItemResult(f.entry.link, "failed", "nothing extracted")
    result.add(item, on_item)
    if f.old is not None and item.status == "unchanged":
        values: dict[str, object] = {"last_fetched": now, "entry_fp": f.entry.fingerprint}
        if feed_id is not None:
            values["feed_id"] = feed_id
        registry.touch(f.old.url, **values)


def _ingest(intake: Intake, ready: list[Fetched], result: SourceResult) -> dict[str, ItemResult]:
    """Run the ingest pipeline on the articles; each one's outcome by its source URL."""
    statuses: dict[str, ItemResult] = {}

    def record(r: FileResult) -> None:
        status = {"added": "added", "replaced": "updated"}.get(r.status, r.status)
        statuses[r.where] = ItemResult(r.where, status, r.detail, r.title)

    report = ingest_articles(
        [f.article for f in ready if f.article is not None],
        intake.settings,
        store=intake.store,
        embedder=intake.embedder,
        progress=intake.progress,
        on_result=record,
    )
    embedded = report.chunks_written - report.chunks_cached
    result.texts_embedded += embedded
    result.chunks_written += report.chunks_written
    intake.count_embedded(embedded)
    return statuses


def _outcome(f: Fetched, statuses: dict[str, ItemResult]) -> ItemResult:
    """An ingested article's item: a new text of a known URL is "updated" to its version."""
    a, old = f.article, f.old
    assert a is not None
    item = statuses.get(a.source) or ItemResult(a.url, "failed", "not ingested")
    if item.status == "updated" or (
        item.status == "added" and old is not None and old.doc_id != a.doc_id
    ):
        item.status = "updated"
        item.detail = f"version {a.version}"
    elif item.status == "unchanged":
        item.detail = "same text"
    return item


def _row(f: Fetched, feed_id: int | None, now: datetime) -> WebArticleRow:
    """The ``web_articles`` row of an ingested article."""
    a, old, response = f.article, f.old, f.response
    assert a is not None and response is not None
    return WebArticleRow(
        url=a.url,
        link=f.entry.link,
        feed_id=feed_id if feed_id is not None else (old.feed_id if old else None),
        doc_id=a.doc_id,
        version=a.version,
        title=a.title[:1000],
        publisher=a.publisher[:300],
        published_at=a.published_at,
        updated_at=a.updated_at,
        etag=response.etag,
        last_modified=response.last_modified,
        entry_fp=f.entry.fingerprint,
        story=a.story,
        minhash=dedupe.to_bytes(f.signature),
        first_seen=old.first_seen if old else now,
        last_fetched=now,
    )
