"""The refresh of a feed, and the fetching and ingesting of a listing's entries.

A refresh of one feed:
  1. takes the feed's lease (:meth:`index.intake.feeds.Registry.lease`, a lease of
     :mod:`index.leases`, renewed while the refresh runs): one replica refreshes a feed at a
     time; the lease of a holder that died expires after ``LEASE_S``;
  2. a conditional GET of the feed (``304`` → "unchanged": nothing else is fetched; a sitemap
     index's sitemaps are still each checked);
  3. its entries (:mod:`index.intake.listings`): those whose fingerprint changed, or whose
     article is not in the store, are fetched, extracted, versioned and ingested in batches
     (:mod:`index.intake.articles`);
  4. the outcome, validators and the next refresh time are recorded (and the lease released).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from index.intake.articles import Fetched, fetch_entry, ingest_batch
from index.intake.detect import detect
from index.intake.feeds import FeedRow
from index.intake.fetch import FetchError, Response
from index.intake.listings import changed_entries, read_listing, sub_sitemaps
from index.intake.results import ItemResult, OnItem, SourceResult
from index.intake.sources import Entry, Listing, newest

if TYPE_CHECKING:
    from index.intake.service import Intake

log = logging.getLogger(__name__)

BATCH = 16  # articles per ingest call: the first ones are answerable before the feed is done
FETCH_WORKERS = 4  # pages fetched and extracted ahead of the embedder
LEASE_S = 30 * 60.0  # a refresh's lease; it expires this long after its holder died
RENEW_S = LEASE_S / 6  # renewed this often while the refresh runs


def refresh_feed(intake: Intake, row: FeedRow, on_item: OnItem | None = None) -> SourceResult:
    """Refresh one feed, unless another worker holds its lease."""
    t0 = time.perf_counter()
    with intake.registry.lease(row.id, LEASE_S, RENEW_S) as held:
        if not held:
            return SourceResult(row.url, "unchanged", "being refreshed by another worker")
        try:
            result = _refresh_leased(intake, row, on_item)
        except Exception as exc:  # a bug or a store failure: recorded, the lease released
            log.exception("refreshing %s failed", row.url)
            intake.registry.finish(row.id, "failed", f"{type(exc).__name__}: {exc}")
            raise
    result.seconds = time.perf_counter() - t0
    return result


def _refresh_leased(intake: Intake, row: FeedRow, on_item: OnItem | None) -> SourceResult:
    registry = intake.registry
    try:
        response = intake.fetcher.get(row.url, etag=row.etag, last_modified=row.last_modified)
    except FetchError as exc:
        registry.finish(row.id, "failed", exc.reason)
        return SourceResult(row.url, "failed", exc.reason, kind=row.kind, title=row.title)
    state = json.loads(row.state or "{}")
    if response.not_modified and row.kind == "sitemap_index" and state.get("sitemaps"):
        # The index is the same; its sitemaps may not be (each fetched conditionally).
        index = Listing("sitemap_index", row.title, [], list(state["sitemaps"]))
        listing, changed = sub_sitemaps(intake.fetcher, index, state)
        if changed:
            return _finish_entries(intake, row, listing, "sitemap_index", None, state, on_item)
    if response.not_modified:
        detail = "not modified (304)"
        registry.finish(row.id, "unchanged", detail)
        return SourceResult(row.url, "unchanged", detail, kind=row.kind, title=row.title)
    kind = detect(response.content, response.content_type)
    if kind not in ("feed", "sitemap", "sitemap_index"):
        why = (
            "an article page, not a feed or sitemap"
            if kind == "page"
            else "not an RSS/Atom feed or sitemap: check the URL"
        )
        registry.finish(row.id, "failed", why, kind=kind)
        return SourceResult(row.url, "failed", why, kind=kind)
    try:
        listing = read_listing(intake.fetcher, kind, response, state)
    except (ValueError, FetchError) as exc:
        registry.finish(row.id, "failed", reason(exc), kind=kind)
        return SourceResult(row.url, "failed", reason(exc), kind=kind)
    return _finish_entries(intake, row, listing, kind, response, state, on_item)


def _finish_entries(
    intake: Intake,
    row: FeedRow,
    listing: Listing,
    kind: str,
    response: Response | None,
    state: dict[str, Any],
    on_item: OnItem | None,
) -> SourceResult:
    """Ingest a feed's changed entries and record the refresh."""
    result = ingest_entries(intake, listing, row.id, on_item)
    result.url, result.kind = row.url, kind
    title = listing.title or row.title
    result.title = title
    # Validators are kept only when every entry went in: a failed one is retried next time.
    complete = not any(i.status == "failed" for i in result.items)
    if not complete:  # sitemaps too: fetch them in full next time
        for sub in state.get("sitemaps", {}).values():
            sub["etag"] = sub["last_modified"] = None
    etag, last_modified = row.etag, row.last_modified
    if response is not None:
        etag = response.etag if complete else None
        last_modified = response.last_modified if complete else None
    intake.registry.finish(
        row.id,
        result.status,
        result.detail,
        title=title,
        kind=kind,
        etag=etag,
        last_modified=last_modified,
        state=state,
        validators=True,
    )
    return result


def ingest_entries(
    intake: Intake, listing: Listing, feed_id: int | None, on_item: OnItem | None
) -> SourceResult:
    """Fetch the entries that changed, ingest them; one result for the listing."""
    result = SourceResult("", "unchanged", kind=listing.kind, title=listing.title)
    entries = newest(listing.entries, intake.settings.fetch_max_items)
    rows = {link: intake.registry.by_link(link) for link in (e.link for e in entries)}
    known = [r.doc_id for r in rows.values() if r and r.doc_id]
    present = intake.store.existing_docs(known) if known else set()
    todo, same = changed_entries(entries, rows, present, intake.settings.fetch_recheck_items)
    for old in same:
        result.add(ItemResult(old.url, "unchanged", "entry unchanged", old.title), on_item)

    def work(entry: Entry) -> Fetched:
        old = rows.get(entry.link)
        fresh = old is not None and old.doc_id in present
        return fetch_entry(intake, entry, old, fresh, listing.title)

    _fetch_and_ingest(intake, todo, work, feed_id, result, on_item)
    result.summarize()
    return result


def _fetch_and_ingest(
    intake: Intake,
    todo: list[Entry],
    work: Callable[[Entry], Fetched],
    feed_id: int | None,
    result: SourceResult,
    on_item: OnItem | None,
) -> None:
    """Fetch entries on a few threads, ingesting them in order, ``BATCH`` at a time."""
    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:
        futures: list[Future[Fetched]] = [pool.submit(work, e) for e in todo]
        batch: list[Fetched] = []
        for future in futures:
            batch.append(future.result())
            if len(batch) >= BATCH:
                ingest_batch(intake, batch, feed_id, result, on_item)
                batch = []
        if batch:
            ingest_batch(intake, batch, feed_id, result, on_item)


def reason(exc: BaseException) -> str:
    """A fetch failure's reason, or the message of another error."""
    return exc.reason if isinstance(exc, FetchError) else str(exc)
