"""Fetching: SSRF refusals, conditional GET, robots.txt, limits and failures, one line each.

All against a real local HTTP server; nothing leaves the loopback interface (see conftest).
"""

from __future__ import annotations

import ipaddress
import time

import pytest

from eval.bench.site import Site
from index.intake.detect import detect
from index.intake.fetch import Fetcher, FetchError
from index.intake.service import IntakeError, check_scheme
from index.intake.ssrf import BlockedURL, Policy, blocked_reason, check_url
from index.intake.transport import GuardedBackend
from index.settings import Settings

PAGE = "<html><head><title>T</title></head><body><p>Hello there.</p></body></html>"


def fetcher(tmp_path, **kw) -> Fetcher:
    base = {"fetch_allow_private": True, "fetch_host_delay_s": 0.0, "fetch_timeout_s": 2.0}
    return Fetcher(Settings(data_dir=tmp_path, **{**base, **kw}))


# -- SSRF ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "0.0.0.0",
        "100.64.0.1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


def test_public_addresses_pass() -> None:
    for address in ("93.184.216.34", "2606:4700::1111", "8.8.8.8"):
        assert blocked_reason(ipaddress.ip_address(address)) is None


def test_allow_flag_keeps_link_local_refused() -> None:
    policy = Policy(allow_private=True)
    assert policy.refusal("x", ipaddress.ip_address("10.0.0.1")) is None
    assert policy.refusal("x", ipaddress.ip_address("127.0.0.1")) is None
    assert policy.refusal("x", ipaddress.ip_address("169.254.169.254")) is not None


def test_loopback_refused_without_the_flag(site: Site, tmp_path) -> None:
    site.put("/a.html", PAGE)
    with Fetcher(Settings(data_dir=tmp_path)) as f, pytest.raises(FetchError) as err:
        f.get(site.url("/a.html"))
    message = str(err.value)
    assert "\n" not in message and site.url("/a.html") in message
    assert "loopback" in message and "NEWSDESK_FETCH_ALLOW_PRIVATE=true" in message
    assert site.requests == []  # refused before any request


def test_a_name_is_checked_after_dns(site: Site, tmp_path) -> None:
    port = site.url().split(":")[2].rstrip("/")
    with Fetcher(Settings(data_dir=tmp_path)) as f, pytest.raises(FetchError, match="loopback"):
        f.get(f"http://localhost:{port}/a.html")
    assert site.requests == []


def test_redirect_to_a_private_address_is_refused(site: Site, tmp_path) -> None:
    # The site itself is allowed by name; its redirect to the private network is not.
    settings = Settings(data_dir=tmp_path, fetch_allow_hosts="127.0.0.1", fetch_host_delay_s=0)
    site.redirect("/go", "http://10.20.30.40/internal/secrets")
    site.redirect("/meta", "http://169.254.169.254/latest/meta-data/")
    with Fetcher(settings) as f:
        with pytest.raises(FetchError) as err:
            f.get(site.url("/go"))
        assert "redirected to http://10.20.30.40/internal/secrets" in str(err.value)
        assert "private address" in str(err.value)
        with pytest.raises(FetchError, match="link-local"):
            f.get(site.url("/meta"))
    # the metadata address stays refused even with private addresses allowed
    with fetcher(tmp_path) as f, pytest.raises(FetchError, match="link-local"):
        f.get(site.url("/meta"))


def test_the_connection_itself_is_checked(site: Site) -> None:
    """The backend re-checks the address it connects to (no gap for DNS rebinding)."""
    port = int(site.url().split(":")[2].rstrip("/"))
    with pytest.raises(BlockedURL, match="loopback"):
        GuardedBackend(Policy()).connect_tcp("127.0.0.1", port, timeout=1)
    assert site.requests == []
    stream = GuardedBackend(Policy(allow_private=True)).connect_tcp("127.0.0.1", port, timeout=1)
    stream.close()


@pytest.mark.parametrize(
    "url", ["ftp://example.com/feed.xml", "file:///etc/passwd", "gopher://x/", "http:///nohost"]
)
def test_only_http_and_https(url: str, tmp_path) -> None:
    with pytest.raises(IntakeError, match=r"only http and https|no host"):
        check_scheme(url)
    with fetcher(tmp_path) as f, pytest.raises(FetchError):
        f.get(url)


def test_unresolvable_host_is_one_line() -> None:
    with pytest.raises(BlockedURL) as err:
        check_url("http://no-such-host.invalid/feed.xml", Policy())
    assert "cannot resolve" in str(err.value) and "\n" not in str(err.value)


# -- politeness ------------------------------------------------------------------------------


def test_conditional_get_with_etag_and_last_modified(site: Site, tmp_path) -> None:
    site.put("/a.html", PAGE)
    with fetcher(tmp_path) as f:
        first = f.get(site.url("/a.html"))
        assert first.status == 200 and first.etag and first.last_modified
        again = f.get(site.url("/a.html"), etag=first.etag, last_modified=first.last_modified)
        assert again.not_modified and again.content == b"" and again.conditional
        by_date = f.get(site.url("/a.html"), last_modified=first.last_modified)
        assert by_date.not_modified
    hits = site.hits("/a.html")
    assert [h.conditional for h in hits] == [False, True, True]
    assert hits[1].headers.get("If-None-Match") == first.etag


def test_robots_txt_disallow_is_honoured(site: Site, tmp_path) -> None:
    site.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    site.put("/private/a.html", PAGE)
    site.put("/public/a.html", PAGE)
    with fetcher(tmp_path) as f:
        with pytest.raises(FetchError) as err:
            f.get(site.url("/private/a.html"))
        assert "robots.txt" in str(err.value) and "/private/a.html" in str(err.value)
        assert f.get(site.url("/public/a.html")).status == 200
    assert site.hits("/private/a.html") == []
    assert len(site.hits("/robots.txt")) == 1  # read once per host


def test_user_agent_and_per_host_delay(site: Site, tmp_path) -> None:
    site.put("/a.html", PAGE)
    with fetcher(tmp_path, fetch_host_delay_s=0.3) as f:
        t0 = time.monotonic()
        for _ in range(3):
            f.get(site.url("/a.html"))
        took = time.monotonic() - t0
    assert took >= 0.6  # robots.txt, then three pages, 0.3 s apart
    assert site.hits("/a.html")[0].headers["User-Agent"].startswith("Newsdesk/")


def test_redirect_followed_and_limited(site: Site, tmp_path) -> None:
    site.put("/new.html", PAGE)
    site.redirect("/old.html", "/new.html")
    site.redirect("/loop1", "/loop2")
    site.redirect("/loop2", "/loop1")
    with fetcher(tmp_path, fetch_max_redirects=3) as f:
        got = f.get(site.url("/old.html"))
        assert got.url == site.url("/new.html") and got.redirects == [site.url("/new.html")]
        with pytest.raises(FetchError, match="more than 3 redirects"):
            f.get(site.url("/loop1"))


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({"status": 404}, "not found (404)"),
        ({"status": 500}, "server error (500)"),
        ({"status": 403}, "access denied (403)"),
        ({"delay_s": 3.0}, "timed out"),
        ({"stream_bytes": 2_500_000}, "over the 1 MB limit"),
        ({"body": b"x" * 1_200_000}, "over the 1 MB limit"),
        ({"content_type": "image/png", "body": b"\x89PNG\r\n"}, "content type image/png"),
        ({"content_type": "application/octet-stream"}, "content type application/octet-stream"),
        ({"body": b"<html>\x00\x01\x02 binary</html>"}, "binary content"),
    ],
)
def test_failures_are_one_line_naming_the_url(site: Site, tmp_path, setup, expected) -> None:
    body = setup.pop("body", PAGE)
    site.put("/bad", body, **setup)
    with (
        fetcher(tmp_path, fetch_max_mb=1.0, fetch_timeout_s=1.0) as f,
        pytest.raises(FetchError) as err,
    ):
        f.get(site.url("/bad"))
    message = str(err.value)
    assert message.startswith(site.url("/bad") + ": ") and expected in message
    assert "\n" not in message


def test_detects_kinds_from_content() -> None:
    assert detect(b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"/>') == "feed"
    assert detect(b"<rdf:RDF xmlns:rdf='x'></rdf:RDF>") == "feed"
    assert detect(b"\xef\xbb\xbf<?xml version='1.0'?><!-- c --><urlset></urlset>") == "sitemap"
    assert detect(b"<?xml version='1.0'?><catalog/>", "application/xml") == "unknown"
    assert detect(b"<html><body><p>x</p></body></html>", "text/xml") == "page"
    assert detect(b"https://a.example/1\nhttps://a.example/2\n", "text/plain") == "sitemap"
