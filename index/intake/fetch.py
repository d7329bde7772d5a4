"""Polite, bounded HTTP(S) fetching for news intake (httpx).

Every request:
  * goes only to addresses :mod:`index.intake.ssrf` allows, checked before the request and
    again on the address connected to (:mod:`index.intake.transport`), on every redirect hop;
  * honours robots.txt (``urllib.robotparser``, fetched once per host and run) and its
    ``Crawl-delay``, and waits ``NEWSDESK_FETCH_HOST_DELAY_S`` between two requests to a host;
  * is conditional when validators are known (``If-None-Match`` / ``If-Modified-Since``): a
    ``304`` comes back as ``status=304`` with no body, so it costs no parsing and no embedding;
  * has timeouts (connect/read ``NEWSDESK_FETCH_TIMEOUT_S``, the whole body twice that), a size
    limit enforced while streaming (``NEWSDESK_FETCH_MAX_MB``), a redirect limit, an allow-list
    of HTML/XML/feed content types, and a clear User-Agent.

Each failure is a :class:`FetchError` whose message is one line naming the URL, what went
wrong and what to do.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from index.errors import NewsdeskError
from index.intake.ssrf import BlockedURL, Policy, check_url
from index.intake.transport import GuardedTransport
from index.settings import Settings

#: Content types fetched; anything else is refused before its body is read.
ALLOWED_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "application/xml",
        "text/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/feed+xml",
    }
)
GZIP_TYPES = frozenset({"application/gzip", "application/x-gzip"})  # sitemap.xml.gz
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1"
)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_CRAWL_DELAY_S = 30.0  # a robots.txt asking for more is capped at this


class FetchError(NewsdeskError):
    """A URL that could not be fetched; ``str()`` is one line: the URL, why, what to do."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


@dataclass
class Response:
    """A fetched document (``status`` 200) or a not-modified answer (304, empty content)."""

    url: str  # the final URL, after redirects
    status: int
    content: bytes = b""
    content_type: str = ""  # media type only, lower case ("text/html")
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    redirects: list[str] = field(default_factory=list)
    conditional: bool = False  # the request carried If-None-Match / If-Modified-Since

    @property
    def not_modified(self) -> bool:
        """True for a 304."""
        return self.status == 304

    def text(self) -> str:
        """The body decoded (declared charset, else UTF-8), undecodable bytes replaced."""
        for encoding in (self.charset, "utf-8"):
            if encoding:
                try:
                    return self.content.decode(encoding)
                except (LookupError, UnicodeDecodeError):
                    continue
        return self.content.decode("utf-8", "replace")


class Fetcher:
    """A polite HTTP(S) client for one intake run (thread-safe; close it when done)."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.policy = Policy.from_settings(settings)
        self.user_agent = settings.fetch_user_agent
        self.max_bytes = int(settings.fetch_max_mb * 1_000_000)
        self.timeout = settings.fetch_timeout_s
        self.client = httpx.Client(
            transport=transport or GuardedTransport(self.policy),
            follow_redirects=False,
            timeout=httpx.Timeout(self.timeout),
            headers={"User-Agent": self.user_agent, "Accept": ACCEPT},
            trust_env=False,
        )
        self._robots: dict[str, RobotFileParser] = {}
        self._delays: dict[str, float] = {}
        self._next: dict[str, float] = {}
        self._host_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.requests = 0  # HTTP requests sent (robots.txt included)
        self.conditional = 0  # of which carried validators
        self.not_modified = 0  # 304 answers

    def close(self) -> None:
        """Close the connections."""
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public -----------------------------------------------------------------------------

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Response:
        """Fetch ``url`` (following redirects), conditionally when validators are given.

        Raises:
            FetchError: refused (SSRF, robots.txt), network failure, HTTP error, wrong content
                type, too big, binary, too many redirects.
        """
        return self._get(url, etag, last_modified, robots=True, strict=True)

    # -- internals --------------------------------------------------------------------------

    def _get(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        robots: bool,
        strict: bool,
    ) -> Response:
        current = url
        redirects: list[str] = []
        limit = self.settings.fetch_max_redirects
        for _hop in range(limit + 1):
            try:
                check_url(current, self.policy)
            except BlockedURL as exc:
                raise FetchError(url, _after_redirect(str(exc), url, current)) from None
            if robots and not self._allowed(current):
                raise FetchError(
                    url,
                    f"disallowed by robots.txt of {_origin(current)}"
                    + (f" (redirected to {current})" if current != url else "")
                    + ": the site asks crawlers not to fetch it; remove it or ask the publisher",
                )
            headers: dict[str, str] = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            self._wait(current)
            try:
                result = self._request(url, current, headers, strict)
            except BlockedURL as exc:
                raise FetchError(url, _after_redirect(str(exc), url, current)) from None
            except httpx.TimeoutException:
                raise FetchError(
                    url,
                    f"timed out after {self.timeout:g} s: the server is slow or down; try again "
                    "later (NEWSDESK_FETCH_TIMEOUT_S)",
                ) from None
            except httpx.ConnectError as exc:
                raise FetchError(
                    url, f"cannot connect ({_short(exc)}): check the address; try again later"
                ) from None
            except httpx.HTTPError as exc:
                raise FetchError(
                    url, f"the connection failed ({type(exc).__name__}: {_short(exc)})"
                ) from None
            if isinstance(result, str):  # a redirect
                current = urljoin(current, result)
                redirects.append(current)
                continue
            result.redirects = redirects
            result.conditional = bool(headers)
            return result
        raise FetchError(
            url,
            f"more than {limit} redirects (NEWSDESK_FETCH_MAX_REDIRECTS): check the URL",
        )

    def _request(
        self, url: str, current: str, headers: dict[str, str], strict: bool
    ) -> Response | str:
        """One GET: a Response (200 or 304), or the Location of a redirect."""
        deadline = time.monotonic() + 2 * self.timeout
        with self._lock:
            self.requests += 1
            self.conditional += bool(headers)
        with self.client.stream("GET", current, headers=headers) as r:
            if r.status_code in REDIRECTS:
                location = r.headers.get("location")
                if not location:
                    raise FetchError(url, f"redirect ({r.status_code}) without a Location")
                return location
            if r.status_code == 304:
                with self._lock:
                    self.not_modified += 1
                return Response(
                    url=current,
                    status=304,
                    etag=r.headers.get("etag"),
                    last_modified=r.headers.get("last-modified"),
                )
            if r.status_code >= 400 or r.status_code < 200:
                raise FetchError(url, _status_reason(r.status_code), r.status_code)
            media, charset = _content_type(r.headers.get("content-type", ""))
            is_gzip = media in GZIP_TYPES or (
                media == "application/octet-stream" and current.split("?")[0].endswith(".gz")
            )
            if strict and media and media not in ALLOWED_TYPES and not is_gzip:
                raise FetchError(
                    url,
                    f"content type {media} is not a web page, feed or sitemap "
                    "(only HTML and XML are fetched)",
                    r.status_code,
                )
            content = self._read_body(url, r, deadline)
            if is_gzip or content[:2] == b"\x1f\x8b":
                content = self._gunzip(url, content)
            if strict and b"\x00" in content[:4096]:
                raise FetchError(url, "binary content, not a web page, feed or sitemap")
            return Response(
                url=current,
                status=r.status_code,
                content=content,
                content_type=media,
                charset=charset,
                etag=r.headers.get("etag"),
                last_modified=r.headers.get("last-modified"),
            )

    def _read_body(self, url: str, r: httpx.Response, deadline: float) -> bytes:
        """The body, streamed: refused once over the size limit or past the deadline."""
        declared = r.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(url, self._too_big(int(declared)), r.status_code)
        body = bytearray()
        for chunk in r.iter_bytes():
            body += chunk
            if len(body) > self.max_bytes:
                raise FetchError(url, self._too_big(None), r.status_code)
            if time.monotonic() > deadline:
                raise FetchError(
                    url,
                    f"the response took over {2 * self.timeout:g} s: the server is too "
                    "slow; try again later (NEWSDESK_FETCH_TIMEOUT_S)",
                )
        return bytes(body)

    def _gunzip(self, url: str, data: bytes) -> bytes:
        try:
            out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, self.max_bytes + 1)
        except (zlib.error, gzip.BadGzipFile) as exc:
            raise FetchError(url, f"damaged gzip data ({exc})") from None
        if len(out) > self.max_bytes:
            raise FetchError(url, self._too_big(None))
        return out

    def _too_big(self, size: int | None) -> str:
        what = f"{size / 1e6:.1f} MB" if size else "larger"
        return (
            f"response is {what}, over the {self.max_bytes / 1e6:g} MB limit "
            "(raise NEWSDESK_FETCH_MAX_MB to allow it)"
        )

    # -- politeness -------------------------------------------------------------------------

    def _wait(self, url: str) -> None:
        """Sleep until this host may be sent the next request (per-host delay)."""
        host = _origin(url)
        with self._lock:
            lock = self._host_locks.setdefault(host, threading.Lock())
        with lock:
            delay = max(self.settings.fetch_host_delay_s, self._delays.get(host, 0.0))
            wait = self._next.get(host, 0.0) - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._next[host] = time.monotonic() + delay

    def _allowed(self, url: str) -> bool:
        origin = _origin(url)
        with self._lock:
            parser = self._robots.get(origin)
        if parser is None:
            parser = self._load_robots(origin)
            with self._lock:
                self._robots[origin] = parser
        return parser.can_fetch(self.user_agent, url)

    def _load_robots(self, origin: str) -> RobotFileParser:
        """robots.txt of an origin (RFC 9309: 4xx → allow all; 5xx or unreachable → none)."""
        parser = RobotFileParser(origin + "/robots.txt")
        try:
            r = self._get(origin + "/robots.txt", None, None, robots=False, strict=False)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                parser.allow_all = True  # type: ignore[attr-defined]
            else:
                parser.disallow_all = True  # type: ignore[attr-defined]
            return parser
        parser.parse(r.text().splitlines())
        delay = parser.crawl_delay(self.user_agent)
        if delay:
            self._delays[origin] = min(float(delay), MAX_CRAWL_DELAY_S)
        return parser


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _content_type(value: str) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'") or None
    return media.strip().lower(), charset


def _status_reason(status: int) -> str:
    if status in (404, 410):
        return f"not found ({status}): the page is gone; check the URL or remove it"
    if status in (401, 403):
        return f"access denied ({status}): the site needs a login or blocks crawlers"
    if status == 429:
        return "too many requests (429): the site rate-limits us; try again later"
    if status >= 500:
        return f"server error ({status}): the site is failing; try again later"
    return f"HTTP {status}: the site refused the request"


def _after_redirect(message: str, url: str, current: str) -> str:
    reason = message.split(": ", 1)[1] if ": " in message else message
    if current != url:
        return f"redirected to {current}, {reason}"
    return reason


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:160] if text else type(exc).__name__
