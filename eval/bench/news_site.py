"""The MultiHop-RAG corpus as a news web site: article pages and publisher feeds.

Used by the news-intake benchmark (:mod:`eval.bench.intake`): one RSS 2.0 or Atom feed per
publisher with at least ``MIN_FEED`` articles, the rest in a news sitemap index; articles can
be corrected (new text and modified dates) to measure a refresh that finds changes.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

from eval.bench.site import Site, article_page, atom, rfc822, rss, sitemap, sitemap_index

MIN_FEED = 10  # a publisher with this many articles gets its own feed


def slug(text: str) -> str:
    """A URL path segment for a publisher name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "news"


def load_corpus(path: Path, limit: int | None) -> list[dict[str, Any]]:
    """MultiHop-RAG articles: id, title, paragraphs, publisher, published."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out.append(
                {
                    "id": r["id"],
                    "title": r["title"],
                    "body": r["body"],
                    "paragraphs": [p for p in r["body"].split("\n") if p.strip()],
                    "publisher": r["source"],
                    "published": r["published_at"],
                    "url": r.get("url"),
                }
            )
            if limit and len(out) >= limit:
                break
    return out


class NewsSite:
    """The corpus as a web site: pages, and one feed per publisher (an index for the rest)."""

    def __init__(self, articles: list[dict[str, Any]]) -> None:
        self.site = Site().start()
        self.articles = articles
        self.updated: dict[str, str] = {}
        counts = Counter(a["publisher"] for a in articles)
        self.big = sorted(p for p, n in counts.items() if n >= MIN_FEED)
        for a in articles:
            a["path"] = f"/{slug(a['publisher'])}/{a['id']}.html"
            self.put_page(a)
        self.publish_feeds()

    def url(self, path: str) -> str:
        return self.site.url(path)

    def put_page(self, a: dict[str, Any]) -> None:
        self.site.put(
            a["path"],
            article_page(
                a["title"],
                a["paragraphs"],
                canonical=self.url(a["path"]),
                published=a["published"],
                modified=self.updated.get(a["id"], ""),
                site_name=a["publisher"],
            ),
        )

    def feed_urls(self) -> list[str]:
        return [self.url(self.feed_path(i, p)) for i, p in enumerate(self.big)] + [
            self.url("/more/sitemap_index.xml")
        ]

    @staticmethod
    def feed_path(i: int, publisher: str) -> str:
        """Every fourth publisher gets an Atom feed, the others RSS 2.0."""
        return f"/{slug(publisher)}/feed." + ("atom" if i % 4 == 3 else "rss")

    def publish_feeds(self) -> None:
        for i, pub in enumerate(self.big):
            arts = [a for a in self.articles if a["publisher"] == pub]
            path = self.feed_path(i, pub)
            if path.endswith(".atom"):
                entries = [
                    {
                        "title": a["title"],
                        "link": self.url(a["path"]),
                        "published": a["published"],
                        "updated": self.updated.get(a["id"], a["published"]),
                    }
                    for a in arts
                ]
                self.site.put(path, atom(pub, self.url("/"), entries))
            else:
                items = [
                    {
                        "title": a["title"],
                        "link": self.url(a["path"]),
                        "date": rfc822(a["published"]),
                        "updated": self.updated.get(a["id"], ""),
                    }
                    for a in arts
                ]
                self.site.put(path, rss(pub, self.url("/"), items))
        rest = [a for a in self.articles if a["publisher"] not in self.big]
        half = len(rest) // 2
        news = [(self.url(a["path"]), self.stamp(a)[:10]) for a in rest[:half]]
        pages = [(self.url(a["path"]), self.stamp(a)[:19] + "Z") for a in rest[half:]]
        self.site.put("/more/sitemap-news.xml", sitemap(news, "More News"))
        self.site.put("/more/sitemap-pages.xml", sitemap(pages))
        subs = [self.url("/more/sitemap-news.xml"), self.url("/more/sitemap-pages.xml")]
        self.site.put("/more/sitemap_index.xml", sitemap_index(subs))

    def stamp(self, a: dict[str, Any]) -> str:
        """When an article last changed: its correction, else its publication."""
        return str(self.updated.get(a["id"]) or a["published"])

    def correct(self, fraction: float, seed: int = 0) -> list[dict[str, Any]]:
        """Correct a share of the articles: one changed sentence, a correction note, new
        modified dates on the page and in the feed entry."""
        rng = random.Random(seed)
        chosen = rng.sample(self.articles, max(1, round(len(self.articles) * fraction)))
        stamp = "2023-12-30T12:00:00+00:00"
        for a in chosen:
            k = rng.randrange(len(a["paragraphs"]))
            a["paragraphs"][k] = a["paragraphs"][k] + " (This sentence was corrected.)"
            a["paragraphs"].append(
                "Correction: an earlier version of this article misstated a detail; it has been "
                "updated."
            )
            self.updated[a["id"]] = stamp
            self.put_page(a)
        self.publish_feeds()
        return chosen
