"""Fixtures for the intake tests: a real local web site, intake settings, a counting embedder.

Every test here may only open connections to the loopback interface: a guard on
``socket.connect`` fails the test at once if anything tries another address (the SSRF tests
must refuse such addresses before any packet is sent, and this proves it).
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eval.bench.site import Site, article_page, atom, rfc822, rss
from index.clean import clean_article
from index.documents import RawArticle
from index.settings import Settings
from tests.conftest import ROOT, SAMPLE

MULTIHOP = Path(
    os.environ.get("NEWSDESK_MULTIHOP_DIR", ROOT.parent / "shared" / "bench" / "multihop_rag")
)


class OffLoopback(AssertionError):
    """A test tried to connect somewhere other than the loopback interface."""


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                ip = ipaddress.ip_address(str(host).split("%")[0])
            except ValueError:
                ip = None
            if ip is None or not ip.is_loopback:
                raise OffLoopback(f"connection to {address!r} attempted in a test")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def site() -> Iterator[Site]:
    """A real HTTP server on 127.0.0.1 (a free port)."""
    with Site() as running:
        yield running


@pytest.fixture
def intake_settings(tmp_path: Path) -> Settings:
    """Settings for fetching from the local site: private addresses allowed, no host delay."""
    return Settings(
        data_dir=tmp_path / "data",
        collection="intake",
        fetch_allow_private=True,
        fetch_host_delay_s=0.0,
        fetch_timeout_s=2.0,
    )


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts: list[str] = []

    def encode(self, texts: Any, threads: Any = None, on_batch: Any = None) -> Any:
        self.texts.extend(texts)
        return self.inner.encode(texts, on_batch=on_batch)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def warm_up(self) -> None:
        self.inner.warm_up()


@pytest.fixture
def counting(embedder: Any) -> CountingEmbedder:
    return CountingEmbedder(embedder)


def sample_articles() -> list[dict[str, Any]]:
    """The bundled sample articles, cleaned: title and paragraphs."""
    out = []
    for path in sorted(SAMPLE.glob("*.txt")):
        art = clean_article(RawArticle(text=path.read_text(encoding="utf-8"), file="", source=""))
        paragraphs = [p for p in art.text.split("\n")[1:] if p.strip()]
        out.append(
            {
                "title": art.title,
                "paragraphs": paragraphs,
                "published": (art.published_at or "2016-02-10") + "T09:00:00+00:00",
                "name": path.stem,
            }
        )
    return out


def multihop_articles(n: int) -> list[dict[str, Any]]:
    """The first ``n`` MultiHop-RAG articles (read from the shared bench data at test time)."""
    corpus = MULTIHOP / "corpus.jsonl"
    if not corpus.is_file():
        pytest.skip(f"MultiHop-RAG corpus not found at {corpus}")
    out = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            paragraphs = [p for p in r["body"].split("\n") if p.strip()]
            if len(" ".join(paragraphs).split()) < 150:
                continue
            out.append(
                {
                    "title": r["title"],
                    "paragraphs": paragraphs,
                    "published": r["published_at"],
                    "publisher": r["source"],
                    "name": r["id"],
                }
            )
            if len(out) == n:
                break
    return out


def publish(
    site: Site,
    articles: list[dict[str, Any]],
    prefix: str = "/news",
    site_name: str = "Sample News",
) -> list[str]:
    """Serve articles as pages (canonical link, dates, site name); returns their URLs."""
    urls = []
    for a in articles:
        path = f"{prefix}/{a['name']}.html"
        site.put(
            path,
            article_page(
                a["title"],
                a["paragraphs"],
                canonical=site.url(path),
                published=a["published"],
                site_name=a.get("publisher", site_name),
            ),
        )
        urls.append(site.url(path))
    return urls


def rss_for(site: Site, articles: list[dict[str, Any]], urls: list[str], title: str = "") -> str:
    return rss(
        title or "Sample News",
        site.url("/"),
        [
            {"title": a["title"], "link": u, "date": rfc822(a["published"])}
            for a, u in zip(articles, urls, strict=True)
        ],
    )


def atom_for(site: Site, articles: list[dict[str, Any]], urls: list[str]) -> str:
    return atom(
        "Sample News (Atom)",
        site.url("/"),
        [
            {"title": a["title"], "link": u, "updated": a["published"], "published": a["published"]}
            for a, u in zip(articles, urls, strict=True)
        ],
    )
