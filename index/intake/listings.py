"""Discovery: the entries a feed, a sitemap or a sitemap index lists, and which of them changed.

A sitemap index's sitemaps are each fetched conditionally; what each one held is kept in the
feed's ``state["sitemaps"]`` so an unchanged sitemap (``304``) still yields its entries.
"""

from __future__ import annotations

import logging
from typing import Any

from index.intake.feeds import WebArticleRow
from index.intake.fetch import Fetcher, FetchError, Response
from index.intake.sources import Entry, Listing, parse_feed, parse_sitemap

log = logging.getLogger(__name__)

MAX_SITEMAPS = 50  # sub-sitemaps read from one sitemap index
KEPT_ENTRIES = 5000  # entries of one sitemap remembered in the feed's state


def read_listing(
    fetcher: Fetcher, kind: str, response: Response, state: dict[str, Any] | None
) -> Listing:
    """The entries of a feed, a sitemap, or every sitemap of an index.

    Raises:
        ValueError: not a feed or sitemap after all.
    """
    if kind == "feed":
        return parse_feed(response.content, response.url)
    listing = parse_sitemap(response.text(), response.url)
    if listing.kind != "sitemap_index":
        return listing
    return sub_sitemaps(fetcher, listing, {} if state is None else state)[0]


def sub_sitemaps(fetcher: Fetcher, index: Listing, state: dict[str, Any]) -> tuple[Listing, bool]:
    """The entries of an index's sitemaps (each fetched conditionally); and whether any
    sitemap changed. ``state["sitemaps"]`` keeps each one's validators and entries."""
    entries: list[Entry] = []
    known_subs = state.get("sitemaps", {})
    subs: dict[str, Any] = {}
    changed = False
    for sub in index.sitemaps[:MAX_SITEMAPS]:
        known = known_subs.get(sub, {})
        try:
            r = fetcher.get(sub, known.get("etag"), known.get("last_modified"))
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
            "entries": [e.__dict__ for e in part.entries[:KEPT_ENTRIES]],
        }
    state["sitemaps"] = subs
    return Listing("sitemap_index", index.title, entries, index.sitemaps), changed


def changed_entries(
    entries: list[Entry],
    rows: dict[str, WebArticleRow | None],
    present: set[str],
    recheck: int,
) -> tuple[list[Entry], list[WebArticleRow]]:
    """Split entries into those to fetch and the stored articles of those left alone.

    An entry is left alone when its article is in the store (``present``) and its
    fingerprint (title, dates, summary) is unchanged — except the ``recheck`` least recently
    fetched of those, which are revalidated each time.
    """
    todo: list[Entry] = []
    same: list[tuple[Entry, WebArticleRow]] = []
    for entry in entries:
        old = rows.get(entry.link)
        if old is not None and old.doc_id in present and old.entry_fp == entry.fingerprint:
            same.append((entry, old))
        else:
            todo.append(entry)
    same.sort(key=lambda pair: pair[1].last_fetched)
    recheck = max(0, recheck)
    todo += [entry for entry, _ in same[:recheck]]
    return todo, [old for _, old in same[recheck:]]
