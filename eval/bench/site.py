"""A real local web site for intake tests and the intake benchmark (``http.server``, a thread).

Serves pages from memory with ETag and Last-Modified (answering conditional requests with
``304``), records every request it gets, and can be told to fail in the ways a real site does:
a status, a delay, a body too big, binary data, a redirect. Builders write article pages with
canonical links and dates, RSS 2.0 and Atom feeds, sitemaps and sitemap indexes.

It binds to 127.0.0.1 only: the intake refuses loopback unless
``NEWSDESK_FETCH_ALLOW_PRIVATE=true`` (or the host is in ``NEWSDESK_FETCH_ALLOW_HOSTS``).

Example:
    >>> site = Site().start()
    >>> site.put("/a.html", article_page("T", ["Body."], canonical=site.url("/a.html")))
    >>> import urllib.request
    >>> urllib.request.urlopen(site.url("/a.html")).status
    200
    >>> site.stop()
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    """What the site answers at one path."""

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the answer (a slow or hanging server)
    validators: bool = True  # send ETag / Last-Modified and answer conditional requests
    stream_bytes: int = 0  # send this many bytes of filler, without a Content-Length
    modified: float = field(default_factory=time.time)

    @property
    def etag(self) -> str:
        """A strong ETag of the body."""
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class Request:
    """A request the site received."""

    method: str
    path: str
    headers: dict[str, str]

    @property
    def conditional(self) -> bool:
        """True when it carried If-None-Match or If-Modified-Since."""
        keys = {k.lower() for k in self.headers}
        return "if-none-match" in keys or "if-modified-since" in keys


class Site:
    """An in-memory web site on a free loopback port."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- content ----------------------------------------------------------------------------

    def url(self, path: str = "/") -> str:
        """The absolute URL of a path on this site."""
        assert self._server is not None, "start the site first"
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def put(self, path: str, body: str | bytes, content_type: str | None = None, **kw: Any) -> None:
        """Serve ``body`` at ``path`` (replacing what was there: a new ETag and date)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        ctype = content_type or _guess_type(path)
        with self._lock:
            old = self.routes.get(path)
            modified = time.time()
            if old is not None and old.body == data:
                modified = old.modified
            elif old is not None and modified <= old.modified + 1:
                modified = old.modified + 1  # Last-Modified has 1 s resolution
            self.routes[path] = Route(data, ctype, modified=modified, **kw)

    def redirect(self, path: str, location: str, status: int = 301) -> None:
        """Redirect ``path`` to ``location``."""
        with self._lock:
            self.routes[path] = Route(status=status, headers={"Location": location})

    def remove(self, path: str) -> None:
        """Answer 404 at ``path`` from now on."""
        with self._lock:
            self.routes.pop(path, None)

    def hits(self, path: str) -> list[Request]:
        """Requests received for ``path``."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def clear_log(self) -> None:
        """Forget the requests received so far."""
        with self._lock:
            self.requests.clear()

    # -- server -----------------------------------------------------------------------------

    def start(self) -> Site:
        """Listen on 127.0.0.1 (a free port) in a daemon thread."""
        server = _QuietServer(("127.0.0.1", 0), _Handler)
        server.site = self
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def receive_get(self, path: str, headers: Any) -> Route | None:
        """Record a GET of ``path`` and return the route that answers it (None: 404)."""
        with self._lock:
            self.requests.append(Request("GET", path, dict(headers.items())))
            return self.routes.get(path) or self.routes.get(path.split("?")[0])

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Site:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    """Answers GETs from the routes of the server's :class:`Site`."""

    protocol_version = "HTTP/1.1"
    server: _QuietServer

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        route = self.server.site.receive_get(self.path.split("#")[0], self.headers)
        if route is None:
            self._send(404, b"not found", "text/plain")
            return
        if route.delay_s:
            time.sleep(route.delay_s)
        headers = dict(route.headers)
        if route.validators and route.status == 200:
            headers["ETag"] = route.etag
            headers["Last-Modified"] = formatdate(route.modified, usegmt=True)
            if _not_modified(self.headers, route):
                self._send(304, b"", None, headers)
                return
        if route.stream_bytes:
            self._stream(route)
            return
        self._send(route.status, route.body, route.content_type, headers)

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if ctype and status != 304:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0" if status == 304 else str(len(body)))
        self.end_headers()
        if status != 304:
            with contextlib.suppress(OSError):
                self.wfile.write(body)

    def _stream(self, route: Route) -> None:
        self.send_response(200)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"<p>" + b"x" * 65530 + b"</p>"
        sent = 0
        try:
            while sent < route.stream_bytes:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        self.close_connection = True


class _QuietServer(ThreadingHTTPServer):
    """A threading server that does not print clients hanging up (timeouts, size limits)."""

    site: Site

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def _not_modified(headers: Any, route: Route) -> bool:
    tag = headers.get("If-None-Match")
    if tag is not None:
        return route.etag in [t.strip() for t in tag.split(",")] or tag.strip() == "*"
    since = headers.get("If-Modified-Since")
    if since:
        try:
            return int(route.modified) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def _guess_type(path: str) -> str:
    if path.endswith((".rss", "/rss", "feed.xml", ".rss.xml")):
        return "application/rss+xml; charset=utf-8"
    if path.endswith((".atom", "atom.xml")):
        return "application/atom+xml; charset=utf-8"
    if path.endswith(".xml"):
        return "application/xml; charset=utf-8"
    if path.endswith(".txt"):
        return "text/plain; charset=utf-8"
    return "text/html; charset=utf-8"


# -- builders ---------------------------------------------------------------------------------


def article_page(
    title: str,
    paragraphs: list[str],
    canonical: str = "",
    published: str = "",
    modified: str = "",
    site_name: str = "",
    author: str = "",
) -> str:
    """An article page as news sites write them: canonical link, OpenGraph and article dates."""
    meta = []
    if canonical:
        meta.append(f'<link rel="canonical" href="{escape(canonical)}">')
        meta.append(f'<meta property="og:url" content="{escape(canonical)}">')
    if site_name:
        meta.append(f'<meta property="og:site_name" content="{escape(site_name)}">')
    if published:
        meta.append(f'<meta property="article:published_time" content="{escape(published)}">')
    if modified:
        meta.append(f'<meta property="article:modified_time" content="{escape(modified)}">')
    if author:
        meta.append(f'<meta name="author" content="{escape(author)}">')
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs if p.strip())
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>{''.join(meta)}</head><body>"
        '<nav><a href="/">Home</a> <a href="/world">World</a></nav>'
        f"<article><h1>{escape(title)}</h1>"
        + (f'<p class="byline">By {escape(author)}</p>' if author else "")
        + f"{body}</article>"
        "<footer><p>© The Publisher. All rights reserved.</p></footer></body></html>"
    )


def rss(title: str, link: str, items: list[dict[str, str]]) -> str:
    """An RSS 2.0 feed; items have ``title``, ``link``, optional ``date`` (RFC 822),
    ``updated`` (ISO, as ``atom:updated``) and ``summary``."""
    parts = []
    for it in items:
        parts.append(
            "<item>"
            f"<title>{escape(it['title'])}</title><link>{escape(it['link'])}</link>"
            f"<guid>{escape(it['link'])}</guid>"
            + (f"<pubDate>{escape(it['date'])}</pubDate>" if it.get("date") else "")
            + (f"<atom:updated>{escape(it['updated'])}</atom:updated>" if it.get("updated") else "")
            + (f"<description>{escape(it['summary'])}</description>" if it.get("summary") else "")
            + "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>{escape(title)}</description>{''.join(parts)}</channel></rss>"
    )


def atom(title: str, link: str, items: list[dict[str, str]]) -> str:
    """An Atom feed; items have ``title``, ``link``, ``updated`` (ISO) and optional
    ``published`` and ``summary``."""
    parts = []
    for it in items:
        parts.append(
            "<entry>"
            f"<title>{escape(it['title'])}</title>"
            f'<link rel="alternate" href="{escape(it["link"])}"/>'
            f"<id>{escape(it['link'])}</id><updated>{escape(it['updated'])}</updated>"
            + (f"<published>{escape(it['published'])}</published>" if it.get("published") else "")
            + (f"<summary>{escape(it['summary'])}</summary>" if it.get("summary") else "")
            + "</entry>"
        )
    updated = max((it["updated"] for it in items), default="2023-01-01T00:00:00Z")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>{escape(title)}</title><link href="{escape(link)}"/>'
        f"<id>{escape(link)}</id><updated>{updated}</updated>{''.join(parts)}</feed>"
    )


def sitemap(urls: list[tuple[str, str]], news: str = "") -> str:
    """A sitemap of (url, lastmod) pairs; with ``news`` (a publication name), a news sitemap."""
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    rows = []
    for url, lastmod in urls:
        extra = ""
        if news:
            extra = (
                f"<news:news><news:publication><news:name>{escape(news)}</news:name>"
                "<news:language>en</news:language></news:publication>"
                f"<news:publication_date>{escape(lastmod)}</news:publication_date>"
                f"<news:title>{escape(url.rsplit('/', 1)[-1])}</news:title></news:news>"
            )
        rows.append(
            f"<url><loc>{escape(url)}</loc>"
            + (f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else "")
            + extra
            + "</url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{"".join(rows)}</urlset>'
    )


def sitemap_index(urls: list[str]) -> str:
    """A sitemap index listing sitemaps."""
    rows = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'
    )


def rfc822(iso: str) -> str:
    """``2023-10-02T10:00:00+00:00`` (or a date) → an RFC 822 date for RSS."""
    from datetime import datetime

    value = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return formatdate(value.timestamp(), usegmt=True)
