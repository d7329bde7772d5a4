"""News intake as a service: URLs, feeds and sitemaps → articles in the store.

The CLI (``newsdesk ingest https://…``, ``newsdesk feeds …``), the Library tab, its API and
the background refresh of ``newsdesk serve`` all call :class:`Intake`; nothing else talks to
the network. The work is done by:

* :mod:`index.intake.refresh`: the refresh of one feed under its lease, and the fetching and
  ingesting of a listing's entries (a failing entry is one line naming its URL and what to
  do; the rest of the feed goes on);
* :mod:`index.intake.listings`: the entries of a feed, sitemap or sitemap index, and which
  of them changed (an unchanged entry whose article is in the store is not fetched again);
* :mod:`index.intake.articles`: one article fetched conditionally, extracted, versioned
  (identity = canonical URL; a changed text replaces the old version's chunks,
  ``version`` + 1) and ingested through :func:`index.pipeline.ingest_articles`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Sequence

from index.embeddings import BaseEmbedder, make_embedder
from index.errors import NewsdeskError
from index.intake import dedupe
from index.intake.articles import extract, get_again, ingest_batch, stored
from index.intake.detect import detect
from index.intake.extract import normalize
from index.intake.feeds import FeedInfo, FeedRow, Registry
from index.intake.fetch import Fetcher, FetchError
from index.intake.listings import read_listing
from index.intake.refresh import ingest_entries, reason, refresh_feed
from index.intake.results import ItemResult, OnItem, SourceResult
from index.intake.sources import Entry
from index.intake.ssrf import BlockedURL, split_url
from index.pipeline import Progress
from index.settings import Settings
from index.store import Store

__all__ = ["Intake", "IntakeError", "ItemResult", "SourceResult", "check_scheme", "is_url"]

log = logging.getLogger(__name__)


class IntakeError(NewsdeskError, ValueError):
    """A request the intake cannot carry out (bad URL, unknown feed); one line."""


def is_url(text: str) -> bool:
    """True for anything with a scheme (``https://…``, ``ftp://…``): not a file path.

    >>> is_url("https://example.com/feed.xml"), is_url("data/sample"), is_url("ftp://x/y")
    (True, False, True)
    """
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

    def changed(self) -> None:
        """Tell the ``on_change`` hook that the store changed (its failure is only logged)."""
        if self.on_change:
            try:
                self.on_change()
            except Exception:  # a UI hook must never break an intake run
                log.exception("on_change hook failed")

    def count_embedded(self, n: int) -> None:
        """Add to the texts embedded over this object's life (thread-safe)."""
        with self._lock:
            self.texts_embedded += n

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
        on_item: OnItem | None = None,
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
        result = refresh_feed(self, row, on_item)
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
                for doc in self.store.get_docs(where={"file": u}):
                    self.store.delete_doc(doc["doc_id"])
                if self._copies is not None:
                    self._copies.remove(u)
            self.registry.forget(urls)
            self.changed()
        return len(urls)

    def refresh(
        self,
        urls: Sequence[str] = (),
        due_only: bool = False,
        on_source: Callable[[SourceResult], None] | None = None,
        on_item: OnItem | None = None,
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
            result = refresh_feed(self, row, on_item)
            results.append(result)
            if on_source:
                on_source(result)
        return results

    # -- one URL ----------------------------------------------------------------------------

    def ingest_url(self, url: str, on_item: OnItem | None = None) -> SourceResult:
        """Ingest what a URL holds, detected from its content: a page, a feed or a sitemap.

        A feed or sitemap given here is read once (its articles ingested), not followed.
        """
        t0 = time.perf_counter()
        url = check_scheme(url)
        link = normalize(url)
        old = self.registry.by_link(link)
        try:
            fresh = old is not None and stored(self.store, old)
            response = get_again(self.fetcher, url, old, fresh)
        except FetchError as exc:
            return SourceResult(url, "failed", exc.reason, seconds=time.perf_counter() - t0)
        kind = detect(response.content, response.content_type)
        if response.not_modified and old is not None:
            item = ItemResult(old.url, "unchanged", "not modified (304)", old.title)
            result = SourceResult(url, "unchanged", item.detail, "page", old.title)
            result.add(item, on_item)
        elif kind == "page":
            result = SourceResult(url, "unchanged", kind="page")
            fetched = extract(self.registry, Entry(link=link), response, old)
            ingest_batch(self, [fetched], None, result, on_item)
            item = result.items[0]
            result.status, result.detail, result.title = item.status, item.detail, item.title
        elif kind == "unknown":
            why = "not an article page, RSS/Atom feed or sitemap: check the URL"
            return SourceResult(url, "failed", why, kind=kind)
        else:
            try:
                listing = read_listing(self.fetcher, kind, response, None)
            except (ValueError, FetchError) as exc:
                return SourceResult(url, "failed", reason(exc), kind=kind)
            result = ingest_entries(self, listing, None, on_item)
            result.url, result.kind = url, kind
        result.seconds = time.perf_counter() - t0
        return result
