"""An article page → text and metadata: trafilatura (text, title, site name, author, date),
htmldate (the updated date), courlan (URL normalisation).

Identity is the canonical URL: ``<link rel="canonical">`` (or ``og:url``) when it points to
the same site as the page, else the fetched URL; normalised either way. A canonical link to
another site is ignored: a page must not be able to overwrite another publisher's article,
and a wire copy that names the agency's original as canonical is still a copy of its own.

Example:
    >>> normalize("HTTP://News.Example.com:80/a/b?utm_source=x&id=3#top")
    'http://news.example.com/a/b?id=3'
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from index.clean import normalize_date

MIN_WORDS = 20  # less body text than this is a menu, a teaser or an error page

logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)


@dataclass
class Extracted:
    """What an article page says about itself."""

    url: str  # canonical, normalised: the article's identity
    title: str
    text: str  # body text, paragraphs on their own lines
    publisher: str = ""
    author: str = ""
    published_at: str = ""  # ISO date
    updated_at: str = ""  # ISO date, only when later than published_at
    description: str = ""


def normalize(url: str) -> str:
    """A URL in one canonical spelling: lower-case scheme and host, default port dropped,
    tracking parameters removed, query sorted, fragment dropped (courlan)."""
    from courlan import normalize_url

    try:
        url = normalize_url(url.strip())
    except (ValueError, AttributeError):
        url = url.strip()
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def same_site(a: str, b: str) -> bool:
    """True when two URLs are on the same host (``www.`` ignored).

    >>> same_site("https://www.x.com/a", "http://x.com/b"), same_site("https://x.com", "https://y.com")
    (True, False)
    """

    def host(u: str) -> str:
        netloc = urlsplit(u).netloc.lower()
        return netloc.removeprefix("www.")

    return host(a) == host(b)


def extract_article(html: bytes | str, url: str) -> Extracted:
    """Text and metadata of an article page fetched from ``url`` (its final URL).

    Raises:
        ValueError: no article text was found in the page.
    """
    import trafilatura
    from htmldate import find_date

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    words = len(text.split())
    if words < MIN_WORDS:
        raise ValueError(
            f"no article text found in the page ({words} words): is it an article page?"
        )
    canonical = getattr(doc, "url", None) or url
    if not re.match(r"(?i)https?://", canonical) or not same_site(canonical, url):
        canonical = url
    published = normalize_date(getattr(doc, "date", None))
    updated = ""
    try:
        latest = find_date(html, original_date=False, extensive_search=False, url=url)
    except Exception:  # htmldate is best effort: a strange page must not fail the article
        latest = None
    if latest and normalize_date(latest) > published:
        updated = normalize_date(latest)
    return Extracted(
        url=normalize(canonical),
        title=(getattr(doc, "title", None) or "").strip(),
        text=text,
        publisher=(getattr(doc, "sitename", None) or "").strip(),
        author=(getattr(doc, "author", None) or "").strip(),
        published_at=published,
        updated_at=updated if published else "",
        description=(getattr(doc, "description", None) or "").strip(),
    )
