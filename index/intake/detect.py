"""What a fetched document is, from its content: an article page, a feed or a sitemap.

The first element after the XML prolog decides (``<rss>``/``<rdf:RDF>``/``<feed>`` → feed,
``<urlset>`` → sitemap, ``<sitemapindex>`` → sitemap index, ``<html>`` → page); the declared
content type only breaks ties, since servers often send feeds as ``text/html`` or ``text/xml``.

Example:
    >>> detect(b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>')
    'feed'
    >>> detect(b'<!doctype html><html><body>Hi</body></html>')
    'page'
    >>> detect(b'<?xml version="1.0"?><sitemapindex xmlns="..."></sitemapindex>')
    'sitemap_index'
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["page", "feed", "sitemap", "sitemap_index", "unknown"]

_PROLOG = re.compile(
    rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*",
    re.S | re.I,
)
_TAG = re.compile(rb"<([A-Za-z][\w.-]*:)?([A-Za-z][\w.-]*)")
_ROOTS: dict[bytes, Kind] = {
    b"rss": "feed",
    b"rdf": "feed",
    b"feed": "feed",
    b"urlset": "sitemap",
    b"sitemapindex": "sitemap_index",
    b"html": "page",
}


def detect(content: bytes, content_type: str = "") -> Kind:
    """The kind of a document, by its root element (content type as a fallback)."""
    head = content[:65536]
    rest = head[_PROLOG.match(head).end() :]  # type: ignore[union-attr]
    m = _TAG.match(rest.lstrip())
    if m:
        kind = _ROOTS.get(m.group(2).lower())
        if kind:
            return kind
        if m.group(2).lower() in (b"head", b"body", b"div", b"meta", b"title", b"p"):
            return "page"  # an HTML fragment without <html>
    elif re.match(rb"\s*https?://\S+\s*(\n\s*https?://\S+\s*)*\Z", head[:4096]):
        return "sitemap"  # a plain-text sitemap: one URL per line
    if content_type in ("text/html", "application/xhtml+xml") and re.search(
        rb"<(body|p|article)\b", head, re.I
    ):
        return "page"
    return "unknown"
