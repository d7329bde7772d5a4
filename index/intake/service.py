"""News intake as a service: URLs, feeds and sitemaps → articles in the store.

The CLI (``newsdesk ingest https://…``, ``newsdesk feeds …``), the Library tab, its API and
the background refresh of ``newsdesk serve`` all call :class:`Intake`; nothing else talks to
the network.

A refresh of one feed:
  1. conditional GET of the feed (``304`` → "unchanged": nothing else is fetched);
  2. its entries (newest ``NEWSDESK_FETCH_MAX_ITEMS``); an entry whose fingerprint (title,
     dates, summary) is unchanged and whose article is in the store is not fetched again;
  3. each other entry's page, conditionally (a ``304`` costs no parsing), extracted
     (:mod:`index.intake.extract`), given its near-duplicate story (:mod:`index.intake.dedupe`);
  4. the articles go through the ingest pipeline (:func:`index.pipeline.ingest_articles`):
     identity = canonical URL, content-hash ids and the embedding cache, so an unchanged text
     embeds nothing and a changed one replaces the old version's chunks (``version`` + 1).
A failing entry is one line naming its URL and what to do; the rest of the feed goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from index.documents import Article, RawArticle, content_hash
from index.embeddings import BaseEmbedder, make_embedder
from index.errors import NewsdeskError
from index.intake import dedupe
from index.intake.detect import detect
from index.intake.extract import extract_article, normalize
from index.intake.feeds import FeedInfo, FeedRow, Registry, WebArticleRow, utcnow
from index.intake.fetch import Fetcher, FetchError, Response
from index.intake.sources import Entry, Listing, newest, parse_feed, parse_sitemap
from index.intake.ssrf import BlockedURL, split_url
from index.pipeline import IngestReport, Progress, ingest_articles
from index.settings import Settings
from index.store import Store

log = logging.getLogger(__name__)

BATCH = 16  # articles per ingest call: the first ones are answerable before the feed is done
FETCH_WORKERS = 4  # pages fetched and extracted ahead of the embedder
MAX_SITEMAPS = 50  # sub-sitemaps read from one sitemap index
LEASE_S = 30 * 60.0


class IntakeError(NewsdeskError, ValueError):
    """A request the intake cannot carry out (bad URL, unknown feed); one line."""


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


@dataclass
class _Fetched:
    """An entry's page, fetched and extracted (or why not)."""

    entry: Entry
    article: Article | None = None
    result: ItemResult | None = None  # set when there is nothing to ingest
    response: Response | None = None
    old: WebArticleRow | None = None


def is_url(text: str) -> bool:
    """True for anything with a scheme (``https://…``, ``ftp://…``): not a file path.

    >>> is_url("https://example.com/feed.xml"), is_url("data/sample"), is_url("ftp://x/y")
    (True, False, True)
    """
    import re

    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text.strip()))


def check_scheme(url: str) -> str:
    """The URL, stripped, or IntakeError when it is not an http(s) URL with a host."""
    url = url.strip()
    try:
        split_url(url)
    except BlockedURL as exc:
        raise IntakeError(str(exc)) from None
    return url


class Intake:
    """Fetch pages, feeds and sitemaps into the store; follow feeds."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        embedder: BaseEmbedder | None = None,
        registry: Registry | None = None,
        on_change: Callable[[], None] | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self._store = store
        self._embedder = embedder
        self.registry = registry or Registry(settings)
        self.on_change = on_change
        self.progress = progress
        self.fetcher = Fetcher(settings)
        self._copies: dedupe.CopyIndex | None = None
        self._lock = threading.Lock()
        self.texts_embedded = 0  # over this object's life (chunks not found in the cache)

    # -- lazily opened heavy parts ----------------------------------------------------------

    @property
    def store(self) -> Store:
        """The article store (opened on first use)."""
        if self._store is None:
            self._store = Store(self.settings)
        return self._store

    @property
    def embedder(self) -> BaseEmbedder:
        """The embedder (loaded on first use; all cores, as for file ingest)."""
        if self._embedder is None:
            self._embedder = make_embedder(self.settings, threads=0)
        return self._embedder

    def copies(self) -> dedupe.CopyIndex:
        """The near-duplicate index of every fetched article (loaded once per object)."""
        if self._copies is None:
            index = dedupe.CopyIndex()
            for url, story, blob in self.registry.signatures():
                index.add(url, dedupe.from_bytes(blob), story or url)
            self._copies = index
        return self._copies

    def close(self) -> None:
        """Close the HTTP connections."""
        self.fetcher.close()

    def __enter__(self) -> Intake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- feeds ------------------------------------------------------------------------------

    def list_feeds(self) -> list[FeedInfo]:
        """Every followed feed with its status."""
        return self.registry.info()

    def add_feed(
        self,
        url: str,
        every: float | None = None,
        refresh: bool = True,
        on_item: Callable[[ItemResult], None] | None = None,
    ) -> SourceResult:
        """Follow a feed or sitemap and (by default) refresh it now.

        A URL that turns out to be an article page (or fails its first fetch) is not followed:
        the result says why (``newsdesk ingest URL`` takes a single page).
        """
        url = normalize(check_scheme(url))
        if every is not None and every <= 0:
            raise IntakeError("--every must be a positive number of minutes")
        row, created = self.registry.add(url, every)
        if not refresh:
            return SourceResult(url, "added", "followed; not fetched yet", kind=row.kind)
        result = self._refresh_row(row, on_item=on_item)
        if created and (result.status == "failed" or result.kind == "page"):
            self.registry.remove(url)
            why = (
                "an article page, not a feed or sitemap: use `newsdesk ingest URL` for one page"
                if result.kind == "page"
                else result.detail
            )
            return SourceResult(url, "failed", f"not followed, {why}", kind=result.kind)
        return result

    def remove_feed(self, url: str, delete_articles: bool = False) -> int:
        """Stop following a feed; with ``delete_articles`` its articles leave the store too.

        Returns the number of its articles (deleted or kept). Raises IntakeError when the
        feed is not followed.
        """
        key = normalize(url.strip())
        try:
            urls = self.registry.remove(key)
        except KeyError:
            try:
                urls = self.registry.remove(url.strip())
            except KeyError:
                raise IntakeError(f"{url}: no such feed (see `newsdesk feeds list`)") from None
        if delete_articles and urls:
            for u in urls:
                for doc_id in self.store.docs.get(where={"file": u}, include=[])["ids"]:
                    self.store.delete_doc(doc_id)
                if self._copies is not None:
                    self._copies.remove(u)
            self.registry.forget(urls)
            self._changed()
        return len(urls)

    def refresh(
        self,
        urls: Sequence[str] = (),
        due_only: bool = False,
        on_source: Callable[[SourceResult], None] | None = None,
        on_item: Callable[[ItemResult], None] | None = None,
    ) -> list[SourceResult]:
        """Refresh the named feeds (all when none; only due ones with ``due_only``)."""
        if urls:
            rows: list[FeedRow] = []
            for u in urls:
                row = self.registry.get(normalize(u.strip())) or self.registry.get(u.strip())
                if row is None:
                    raise IntakeError(f"{u}: no such feed (add it with `newsdesk feeds add URL`)")
                rows.append(row)
        else:
            rows = self.registry.due() if due_only else self.registry.feeds()
        results = []
        for row in rows:
            result = self._refresh_row(row, on_item=on_item)
            results.append(result)
            if on_source:
                on_source(result)
        return results

    # -- one URL ----------------------------------------------------------------------------

    def ingest_url(
        self, url: str, on_item: Callable[[ItemResult], None] | None = None
    ) -> SourceResult:
        """Ingest what a URL holds, detected from its content: a page, a feed or a sitemap.

        A feed or sitemap given here is read once (its articles ingested), not followed.
        """
        t0 = time.perf_counter()
        url = check_scheme(url)
        link = normalize(url)
        old = self.registry.by_link(link)
        present = self._present([old.doc_id] if old else [])
        fresh = old is not None and old.doc_id in present
        try:
            response = self.fetcher.get(
                url,
                etag=old.etag if fresh and old else None,
                last_modified=old.last_modified if fresh and old else None,
            )
        except FetchError as exc:
            return SourceResult(url, "failed", exc.reason, seconds=time.perf_counter() - t0)
        if response.not_modified and old is not None:
            item = ItemResult(old.url, "unchanged", "not modified (304)", old.title)
            if on_item:
                on_item(item)
            return SourceResult(
                url, "unchanged", item.detail, "page", old.title, [item], 0, 0,
                time.perf_counter() - t0,
            )  # fmt: skip
        kind = detect(response.content, response.content_type)
        if kind == "page":
            fetched = self._extract(Entry(link=link), response, old)
            result = SourceResult(url, "unchanged", kind="page")
            self._ingest([fetched], None, result, on_item)
            item = result.items[0]
            result.status, result.detail, result.title = item.status, item.detail, item.title
            result.seconds = time.perf_counter() - t0
            return result
        if kind == "unknown":
            return SourceResult(
                url,
                "failed",
                "not an article page, RSS/Atom feed or sitemap: check the URL",
                kind=kind,
            )
        try:
            listing = self._listing(kind, response, None)
        except (ValueError, FetchError) as exc:
            return SourceResult(url, "failed", _reason(exc), kind=kind)
        result = self._entries(listing, None, on_item)
        result.url, result.kind = url, kind
        result.seconds = time.perf_counter() - t0
        return result

    # -- refresh machinery ------------------------------------------------------------------

    def _refresh_row(
        self, row: FeedRow, on_item: Callable[[ItemResult], None] | None = None
    ) -> SourceResult:
        t0 = time.perf_counter()
        if not self.registry.lease(row.id, LEASE_S):
            return SourceResult(row.url, "unchanged", "being refreshed by another worker")
        try:
            result = self._refresh_leased(row, on_item)
        except Exception as exc:  # a bug or a store failure: recorded, the lease released
            log.exception("refreshing %s failed", row.url)
            self.registry.finish(row.id, "failed", f"{type(exc).__name__}: {exc}")
            raise
        result.seconds = time.perf_counter() - t0
        return result

    def _refresh_leased(
        self, row: FeedRow, on_item: Callable[[ItemResult], None] | None
    ) -> SourceResult:
        import json

        try:
            response = self.fetcher.get(row.url, etag=row.etag, last_modified=row.last_modified)
        except FetchError as exc:
            self.registry.finish(row.id, "failed", exc.reason)
            return SourceResult(row.url, "failed", exc.reason, kind=row.kind, title=row.title)
        state = json.loads(row.state or "{}")
        if response.not_modified and row.kind == "sitemap_index" and state.get("sitemaps"):
            # The index is the same; its sitemaps may not be (each fetched conditionally).
            index = Listing("sitemap_index", row.title, [], list(state["sitemaps"]))
            listing, changed = self._sub_sitemaps(index, state)
            if changed:
                return self._finish_entries(row, listing, "sitemap_index", None, state, on_item)
        if response.not_modified:
            detail = "not modified (304)"
            self.registry.finish(row.id, "unchanged", detail)
            return SourceResult(row.url, "unchanged", detail, kind=row.kind, title=row.title)
        kind = detect(response.content, response.content_type)
        if kind not in ("feed", "sitemap", "sitemap_index"):
            why = (
                "an article page, not a feed or sitemap"
                if kind == "page"
                else "not an RSS/Atom feed or sitemap: check the URL"
            )
            self.registry.finish(row.id, "failed", why, kind=kind)
            return SourceResult(row.url, "failed", why, kind=kind)
        try:
            listing = self._listing(kind, response, state)
        except (ValueError, FetchError) as exc:
            self.registry.finish(row.id, "failed", _reason(exc), kind=kind)
            return SourceResult(row.url, "failed", _reason(exc), kind=kind)
        return self._finish_entries(row, listing, kind, response, state, on_item)

    def _finish_entries(
        self,
        row: FeedRow,
        listing: Listing,
        kind: str,
        response: Response | None,
        state: dict[str, Any],
        on_item: Callable[[ItemResult], None] | None,
    ) -> SourceResult:
        """Ingest a feed's changed entries and record the refresh."""
        result = self._entries(listing, row.id, on_item)
        result.url, result.kind = row.url, kind
        title = listing.title or row.title
        result.title = title
        # Validators are kept only when every entry went in: a failed one is retried next time.
        complete = not any(i.status == "failed" for i in result.items)
        if not complete:  # sitemaps too: fetch them in full next time
            for sub in state.get("sitemaps", {}).values():
                sub["etag"] = sub["last_modified"] = None
        self.registry.finish(
            row.id,
            result.status,
            result.detail,
            title=title,
            kind=kind,
            etag=(response.etag if complete else None) if response else row.etag,
            last_modified=(response.last_modified if complete else None)
            if response
            else row.last_modified,
            state=state,
            validators=True,
        )
        return result

    def _listing(self, kind: str, response: Response, state: dict[str, Any] | None) -> Listing:
        """The entries of a feed, a sitemap, or every sitemap of an index."""
        if kind == "feed":
            return parse_feed(response.content, response.url)
        listing = parse_sitemap(response.text(), response.url)
        if listing.kind != "sitemap_index":
            return listing
        return self._sub_sitemaps(listing, {} if state is None else state)[0]

    def _sub_sitemaps(self, index: Listing, state: dict[str, Any]) -> tuple[Listing, bool]:
        """The entries of an index's sitemaps (each fetched conditionally); and whether any
        sitemap changed. ``state["sitemaps"]`` keeps each one's validators and entries."""
        entries: list[Entry] = []
        known_subs = state.get("sitemaps", {})
        subs: dict[str, Any] = {}
        changed = False
        for sub in index.sitemaps[:MAX_SITEMAPS]:
            known = known_subs.get(sub, {})
            try:
                r = self.fetcher.get(sub, known.get("etag"), known.get("last_modified"))
            except FetchError as exc:
                log.warning("sitemap %s: %s", sub, exc.reason)
                if known:
                    subs[sub] = known
                continue
            if r.not_modified and known:
                entries.extend(Entry(**e) for e in known.get("entries", []))
                subs[sub] = known
                continue
            try:
                part = parse_sitemap(r.text(), r.url)
            except ValueError:
                continue
            changed = True
            entries.extend(part.entries)
            subs[sub] = {
                "etag": r.etag,
                "last_modified": r.last_modified,
                "entries": [e.__dict__ for e in part.entries[:5000]],
            }
        state["sitemaps"] = subs
        return Listing("sitemap_index", index.title, entries, index.sitemaps), changed

    def _present(self, doc_ids: Iterable[str]) -> set[str]:
        ids = [d for d in doc_ids if d]
        if not ids:
            return set()
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            found.update(self.store.docs.get(ids=ids[i : i + 500], include=[])["ids"])
        return found

    def _entries(
        self, listing: Listing, feed_id: int | None, on_item: Callable[[ItemResult], None] | None
    ) -> SourceResult:
        """Fetch the entries that changed, ingest them; one result for the feed."""
        result = SourceResult("", "unchanged", kind=listing.kind, title=listing.title)
        entries = newest(listing.entries, self.settings.fetch_max_items)
        rows = {link: self.registry.by_link(link) for link in (e.link for e in entries)}
        present = self._present(r.doc_id for r in rows.values() if r)
        todo: list[Entry] = []
        same: list[Entry] = []
        for entry in entries:
            old = rows.get(entry.link)
            if old is not None and old.doc_id in present and old.entry_fp == entry.fingerprint:
                same.append(entry)
            else:
                todo.append(entry)
        # A few unchanged entries are revalidated each time (least recently fetched first).
        same.sort(key=lambda e: rows[e.link].last_fetched)  # type: ignore[union-attr]
        recheck = same[: max(0, self.settings.fetch_recheck_items)]
        todo += recheck
        for entry in same[len(recheck) :]:
            old = rows[entry.link]
            assert old is not None
            item = ItemResult(old.url, "unchanged", "entry unchanged", old.title)
            result.items.append(item)
            if on_item:
                on_item(item)

        def work(entry: Entry) -> _Fetched:
            old = rows.get(entry.link)
            fresh = old is not None and old.doc_id in present
            try:
                response = self.fetcher.get(
                    entry.link,
                    etag=old.etag if fresh and old else None,
                    last_modified=old.last_modified if fresh and old else None,
                )
            except FetchError as exc:
                return _Fetched(entry, result=ItemResult(entry.link, "failed", exc.reason))
            if response.not_modified and old is not None:
                return _Fetched(
                    entry,
                    result=ItemResult(old.url, "unchanged", "not modified (304)", old.title),
                    old=old,
                )
            return self._extract(entry, response, old, listing.title)

        with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:
            futures: list[Future[_Fetched]] = [pool.submit(work, e) for e in todo]
            batch: list[_Fetched] = []
            for future in futures:
                batch.append(future.result())
                if len(batch) >= BATCH:
                    self._ingest(batch, feed_id, result, on_item)
                    batch = []
            if batch:
                self._ingest(batch, feed_id, result, on_item)
        added, updated = result.count("added"), result.count("updated")
        failed, unchanged = result.count("failed"), result.count("unchanged")
        result.status = "added" if added else "updated" if updated else "unchanged"
        result.detail = (
            f"{added} added, {updated} updated, {unchanged} unchanged, {failed} failed"
            f" · {result.texts_embedded} texts embedded"
        )
        return result

    def _extract(
        self, entry: Entry, response: Response, old: WebArticleRow | None, feed_title: str = ""
    ) -> _Fetched:
        kind = detect(response.content, response.content_type)
        if kind not in ("page", "unknown"):
            what = f"a {kind.replace('_', ' ')}, not an article page"
            return _Fetched(entry, result=ItemResult(entry.link, "failed", what))
        try:
            ex = extract_article(response.content, response.url)
        except ValueError as exc:
            return _Fetched(entry, result=ItemResult(entry.link, "failed", str(exc)))
        if old is None or old.url != ex.url:
            old = self.registry.article(ex.url) or old
        title = ex.title or entry.title
        text = (title + "\n\n" + ex.text) if title else ex.text
        host = ex.url.split("/")[2] if "//" in ex.url else ""
        raw = RawArticle(
            text=text,
            file=ex.url,
            source=ex.url,
            title=title or None,
            publisher=ex.publisher or entry.publisher or feed_title or host,
            published_at=ex.published_at or entry.published or (old.published_at if old else ""),
        )
        from index.clean import clean_article

        try:
            article = clean_article(raw)
        except ValueError as exc:
            return _Fetched(entry, result=ItemResult(entry.link, "failed", str(exc)))
        article.doc_id = content_hash(article.text, ex.url)
        article.url = ex.url
        article.updated_at = ex.updated_at or entry.updated
        return _Fetched(entry, article=article, response=response, old=old)

    def _ingest(
        self,
        batch: list[_Fetched],
        feed_id: int | None,
        result: SourceResult,
        on_item: Callable[[ItemResult], None] | None,
    ) -> None:
        """Give stories and versions to a batch of extracted articles and ingest them."""
        now = utcnow()
        ready: list[_Fetched] = []
        for f in batch:
            if f.article is None:
                item = f.result or ItemResult(f.entry.link, "failed", "nothing extracted")
                result.items.append(item)
                if on_item:
                    on_item(item)
                if f.old is not None and item.status == "unchanged":
                    values: dict[str, Any] = {"last_fetched": now, "entry_fp": f.entry.fingerprint}
                    if feed_id is not None:
                        values["feed_id"] = feed_id
                    self.registry.touch(f.old.url, **values)
                continue
            a, old = f.article, f.old
            changed = old is not None and old.doc_id != a.doc_id
            if old is not None:
                a.published_at = old.published_at or a.published_at
                a.version = old.version + (1 if changed else 0)
                if changed and not a.updated_at:  # a correction with no date: the day we saw it
                    a.updated_at = datetime.now(UTC).date().isoformat()
                if not changed:
                    a.updated_at = old.updated_at or a.updated_at
            if a.updated_at and a.updated_at <= a.published_at:
                a.updated_at = ""
            sig = dedupe.signature(a.text)
            match = self.copies().best(sig, exclude=a.url)
            a.story = match.story if match else (old.story if old and old.story else a.url)
            self.copies().add(a.url, sig, a.story)
            ready.append(f)
        if not ready:
            return
        statuses: dict[str, ItemResult] = {}

        def record(r: Any) -> None:
            status = {"added": "added", "replaced": "updated"}.get(r.status, r.status)
            statuses[r.where] = ItemResult(r.where, status, r.detail, r.title)

        report: IngestReport = ingest_articles(
            [f.article for f in ready if f.article is not None],
            self.settings,
            store=self.store,
            embedder=self.embedder,
            progress=self.progress,
            on_result=record,
        )
        embedded = report.chunks_written - report.chunks_cached
        result.texts_embedded += embedded
        result.chunks_written += report.chunks_written
        with self._lock:
            self.texts_embedded += embedded
        for f in ready:
            assert f.article is not None and f.response is not None
            a = f.article
            old = f.old
            item = statuses.get(a.source) or ItemResult(a.url, "failed", "not ingested")
            if item.status == "updated" or (
                item.status == "added" and old is not None and old.doc_id != a.doc_id
            ):
                item.status = "updated"
                item.detail = f"version {a.version}"
            elif item.status == "unchanged":
                item.detail = "same text"
            if item.status != "failed":
                self.registry.save_article(
                    WebArticleRow(
                        url=a.url,
                        link=f.entry.link,
                        feed_id=feed_id if feed_id is not None else (old.feed_id if old else None),
                        doc_id=a.doc_id,
                        version=a.version,
                        title=a.title[:1000],
                        publisher=a.publisher[:300],
                        published_at=a.published_at,
                        updated_at=a.updated_at,
                        etag=f.response.etag,
                        last_modified=f.response.last_modified,
                        entry_fp=f.entry.fingerprint,
                        story=a.story,
                        minhash=dedupe.to_bytes(self.copies()._sigs[a.url]),
                        first_seen=old.first_seen if old else now,
                        last_fetched=now,
                    )
                )
            result.items.append(item)
            if on_item:
                on_item(item)
        self._changed()

    def _changed(self) -> None:
        if self.on_change:
            try:
                self.on_change()
            except Exception:  # a UI hook must never break an intake run
                log.exception("on_change hook failed")


def _reason(exc: BaseException) -> str:
    return exc.reason if isinstance(exc, FetchError) else str(exc)
