"""Feeds and sitemaps → the article links they list (feedparser, ultimate-sitemap-parser).

Each link comes with a fingerprint of what the feed or sitemap says about it (title, dates,
summary): an entry whose fingerprint is unchanged since the last refresh is not fetched again.

Example:
    >>> rss = b'''<rss version="2.0"><channel><title>Wire</title><item><title>A</title>
    ... <link>https://news.example.com/a</link><pubDate>Mon, 02 Oct 2023 10:00:00 GMT</pubDate>
    ... </item></channel></rss>'''
    >>> listing = parse_feed(rss, "https://news.example.com/feed.xml")
    >>> listing.title, [(e.link, e.published) for e in listing.entries]
    ('Wire', [('https://news.example.com/a', '2023-10-02')])
"""

from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from index.documents import content_hash
from index.intake.extract import normalize

logging.getLogger("usp").setLevel(logging.ERROR)


@dataclass
class Entry:
    """One article link listed by a feed or sitemap."""

    link: str  # absolute, normalised
    title: str = ""
    published: str = ""  # ISO date
    updated: str = ""
    publisher: str = ""  # the news sitemap's publication name
    fingerprint: str = ""


@dataclass
class Listing:
    """A parsed feed or sitemap: its title, its entries, and (an index) its sitemaps."""

    kind: str  # "feed", "sitemap" or "sitemap_index"
    title: str = ""
    entries: list[Entry] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)


def _iso(value: Any) -> str:
    if isinstance(value, time.struct_time):
        return time.strftime("%Y-%m-%d", value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    return ""


def _stamp(value: Any) -> str:
    """A full timestamp (an update later the same day changes it too)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", value) if isinstance(value, time.struct_time) else ""


def _fingerprint(*parts: str) -> str:
    return content_hash(*parts, length=16)


def parse_feed(content: bytes, base_url: str) -> Listing:
    """Entries of an RSS 0.9x/1.0/2.0 or Atom feed (links resolved against ``base_url``).

    Raises:
        ValueError: not a feed feedparser can read.
    """
    import feedparser

    # A stream, never a string: feedparser fetches strings that look like URLs by itself.
    parsed = feedparser.parse(io.BytesIO(content), response_headers={"content-location": base_url})
    if parsed.get("bozo") and not parsed.entries and not parsed.feed:
        raise ValueError(f"not a feed feedparser can read ({parsed.get('bozo_exception')})")
    listing = Listing("feed", title=str(parsed.feed.get("title", "") or "").strip())
    seen: set[str] = set()
    for e in parsed.entries:
        link = e.get("link") or ""
        if not link:
            ident = str(e.get("id") or "")
            link = ident if ident.startswith(("http://", "https://")) else ""
        if not link:
            continue
        link = normalize(urljoin(base_url, link))
        if link in seen:
            continue
        seen.add(link)
        # dict.get: feedparser's own .get maps missing dates onto others, with a warning.
        published = _iso(dict.get(e, "published_parsed")) or _iso(dict.get(e, "created_parsed"))
        updated = _iso(dict.get(e, "updated_parsed"))
        title = str(e.get("title", "") or "").strip()
        summary = str(e.get("summary", "") or "")
        listing.entries.append(
            Entry(
                link=link,
                title=title,
                published=published or updated,
                updated=updated if updated and updated != published else "",
                fingerprint=_fingerprint(
                    link,
                    title,
                    _stamp(dict.get(e, "published_parsed")),
                    _stamp(dict.get(e, "updated_parsed")),
                    summary,
                ),
            )
        )
    return listing


def parse_sitemap(text: str, base_url: str) -> Listing:
    """Pages of a sitemap (XML, news sitemap or plain text), or the sitemaps of an index.

    Raises:
        ValueError: not a sitemap.
    """
    from usp.objects.sitemap import (
        AbstractIndexSitemap,
        InvalidSitemap,
    )
    from usp.tree import sitemap_from_str

    try:
        tree = sitemap_from_str(text)
    except Exception as exc:  # usp raises its own errors on malformed XML
        raise ValueError(f"not a sitemap ({type(exc).__name__})") from None
    if isinstance(tree, InvalidSitemap):
        raise ValueError(f"not a sitemap ({tree.reason})")
    if isinstance(tree, AbstractIndexSitemap):
        subs = [normalize(urljoin(base_url, s.url)) for s in tree.sub_sitemaps if s.url]
        return Listing("sitemap_index", sitemaps=list(dict.fromkeys(subs)))
    listing = Listing("sitemap")
    seen: set[str] = set()
    for page in tree.all_pages():
        link = normalize(urljoin(base_url, page.url))
        if link in seen:
            continue
        seen.add(link)
        story = page.news_story
        lastmod = _iso(page.last_modified)
        published = _iso(story.publish_date) if story else ""
        title = (story.title or "") if story else ""
        listing.entries.append(
            Entry(
                link=link,
                title=title,
                published=published or lastmod,
                updated=lastmod if lastmod and lastmod != published else "",
                publisher=(story.publication_name or "") if story else "",
                fingerprint=_fingerprint(
                    link, title, published, str(page.last_modified or ""), str(page.priority)
                ),
            )
        )
    return listing


def newest(entries: list[Entry], limit: int) -> list[Entry]:
    """At most ``limit`` entries, newest first (undated ones keep their order, after)."""
    dated = sorted(
        (e for e in entries if e.updated or e.published),
        key=lambda e: max(e.updated, e.published),
        reverse=True,
    )
    undated = [e for e in entries if not (e.updated or e.published)]
    return (dated + undated)[: max(0, limit)]
