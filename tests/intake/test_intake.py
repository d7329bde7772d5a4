"""Intake end to end: a real local site → fetch → extract → the ingest pipeline → answers.

Pages carry canonical links and dates; feeds are RSS 2.0 and Atom; a sitemap index lists a
news sitemap of MultiHop-RAG articles (read from the shared bench data at test time).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from eval.bench.site import Site, article_page, rfc822, sitemap, sitemap_index
from index.intake.background import FeedRefresher
from index.intake.feeds import Registry, feed_lease
from index.intake.service import Intake
from index.leases import acquire
from index.settings import Settings
from index.store import Store
from qa.assistant import Assistant
from tests.intake.conftest import (
    CountingEmbedder,
    atom_for,
    multihop_articles,
    publish,
    rss_for,
    sample_articles,
)


def make_intake(settings: Settings, embedder: Any) -> Intake:
    return Intake(settings, embedder=embedder)


def docs_by_url(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for d in Store(settings).get_docs():
        out.setdefault(d["url"], []).append(d)
    return out


def test_article_page_identity_metadata_and_conditional_refetch(
    site: Site, intake_settings: Settings, counting: CountingEmbedder
) -> None:
    art = sample_articles()[3]
    path = "/world/kerry.html"
    canonical = site.url(path)
    site.put(
        path,
        article_page(
            art["title"],
            art["paragraphs"],
            canonical=canonical,
            published="2016-02-10T09:00:00Z",
            modified="2016-02-11T12:00:00Z",
            site_name="Sample Times",
            author="A. Writer",
        ),
    )
    with make_intake(intake_settings, counting) as intake:
        # A tracking parameter and a fragment do not change the identity: the canonical URL.
        result = intake.ingest_url(site.url(path) + "?utm_source=rss&utm_medium=x#top")
        assert result.status == "added", result.line()
        embedded = len(counting.texts)
        assert embedded > 0

        docs = docs_by_url(intake_settings)
        assert list(docs) == [canonical]
        (doc,) = docs[canonical]
        assert doc["publisher"] == "Sample Times"
        assert doc["published_at"] == "2016-02-10"
        assert doc["updated_at"] == "2016-02-11"
        assert doc["version"] == 1 and doc["source"] == canonical

        # The same URL again: a conditional GET, a 304, nothing parsed or embedded.
        site.clear_log()
        again = intake.ingest_url(canonical)
        assert again.status == "unchanged" and "304" in again.detail
        assert site.hits(path)[0].conditional
        assert len(counting.texts) == embedded


def test_feed_second_refresh_is_conditional_and_embeds_nothing(
    site: Site, intake_settings: Settings, counting: CountingEmbedder
) -> None:
    arts = sample_articles()
    urls = publish(site, arts[:3])
    site.put("/rss.xml", rss_for(site, arts[:3], urls))
    with make_intake(intake_settings, counting) as intake:
        first = intake.add_feed(site.url("/rss.xml"), every=15)
        assert first.status == "added" and first.count("added") == 3, first.line()
        embedded = len(counting.texts)

        site.clear_log()
        (second,) = intake.refresh()
        assert second.status == "unchanged" and "304" in second.detail, second.line()
        assert [r.conditional for r in site.requests] == [True]  # the feed, conditionally
        assert len(counting.texts) == embedded  # nothing embedded

        # A new item: only that page is fetched and only its chunks are embedded.
        urls += publish(site, arts[3:4])
        site.put("/rss.xml", rss_for(site, arts[:4], urls))
        site.clear_log()
        (third,) = intake.refresh([site.url("/rss.xml")])
        assert third.status == "added" and third.count("added") == 1, third.line()
        assert third.count("unchanged") == 3
        new_page = "/news/" + arts[3]["name"] + ".html"
        assert {r.path for r in site.requests} >= {"/rss.xml", new_page}
        # the unchanged items are at most revalidated, conditionally (304, nothing parsed)
        others = [r for r in site.requests if r.path not in ("/rss.xml", new_page)]
        assert all(r.conditional for r in others)
        assert 0 < len(counting.texts) - embedded <= 20

    (info,) = Registry(intake_settings).info()
    assert info.articles == 4 and info.every_minutes == 15 and info.last_status == "added"
    assert info.title == "Sample News" and info.next_refresh > info.last_refresh


def test_atom_feed_and_sitemap_index_with_multihop_articles(
    site: Site, intake_settings: Settings, counting: CountingEmbedder
) -> None:
    arts = sample_articles()
    urls = publish(site, arts[:2], prefix="/atom")
    site.put("/atom.xml", atom_for(site, arts[:2], urls))
    mh = multihop_articles(3)
    mh_urls = publish(site, mh, prefix="/mh")
    site.put(
        "/sitemap-news.xml",
        sitemap([(u, a["published"][:10]) for u, a in zip(mh_urls[:2], mh[:2], strict=True)], "MH"),
    )
    site.put("/sitemap-2.xml", sitemap([(mh_urls[2], mh[2]["published"][:10])]))
    site.put(
        "/sitemap_index.xml",
        sitemap_index([site.url("/sitemap-news.xml"), site.url("/sitemap-2.xml")]),
    )
    with make_intake(intake_settings, counting) as intake:
        atom_result = intake.ingest_url(site.url("/atom.xml"))
        assert atom_result.kind == "feed" and atom_result.count("added") == 2
        sm = intake.add_feed(site.url("/sitemap_index.xml"))
        assert sm.kind == "sitemap_index" and sm.count("added") == 3, sm.line()
        site.clear_log()
        (again,) = intake.refresh()
        assert again.status == "unchanged"
        # The index stays the same (304) but a sitemap it lists changes: found, conditionally.
        mh[2]["paragraphs"][0] += " This sentence was corrected."
        publish(site, mh[2:], prefix="/mh")
        site.put("/sitemap-2.xml", sitemap([(mh_urls[2], "2023-12-30T10:00:00Z")]))
        site.clear_log()
        (corrected,) = intake.refresh()
        assert corrected.status == "updated" and corrected.count("updated") == 1, corrected.line()
        assert all(r.conditional for r in site.requests if r.path.startswith("/sitemap"))
    docs = docs_by_url(intake_settings)
    for a, u in zip(mh, mh_urls, strict=True):
        (doc,) = docs[u]
        assert doc["publisher"] == a["publisher"]
        assert doc["published_at"] == a["published"][:10]
    assert Registry(intake_settings).feeds()[0].kind == "sitemap_index"


def test_a_corrected_article_replaces_its_old_version(
    site: Site, intake_settings: Settings, counting: CountingEmbedder, embedder: Any
) -> None:
    old = "The ministry said 14 ferries were held in the harbour of Quillon on Tuesday."
    new = "The ministry said 41 ferries were held in the harbour of Quillon on Tuesday."
    body = [
        "Ferry services between the islands resumed on Wednesday after a two-day strike.",
        old,
        "Union leaders said talks with the port authority would continue next week.",
    ]
    path = "/local/ferries.html"
    url = site.url(path)

    def serve(paragraphs: list[str], updated: str) -> None:
        site.put(
            path,
            article_page(
                "Quillon ferries resume after strike",
                paragraphs,
                canonical=url,
                published="2023-10-03T08:00:00Z",
                modified=updated,
                site_name="Island Post",
            ),
        )
        item = {"title": "Quillon ferries resume", "link": url, "date": rfc822(updated)}
        from eval.bench.site import rss

        site.put("/rss.xml", rss("Island Post", site.url("/"), [item]))

    serve(body, "2023-10-03T08:00:00Z")
    with make_intake(intake_settings, counting) as intake:
        assert intake.add_feed(site.url("/rss.xml")).count("added") == 1
        serve([body[0], new, body[2]], "2023-10-04T10:30:00Z")
        (result,) = intake.refresh()
        assert result.status == "updated" and result.count("updated") == 1, result.line()
        assert "version 2" in result.items[0].detail

    (doc,) = docs_by_url(intake_settings)[url]  # one article for the URL, not two
    assert doc["version"] == 2
    assert doc["published_at"] == "2023-10-03" and doc["updated_at"] == "2023-10-04"
    store = Store(intake_settings)
    texts = [text for _, text, _ in store.iter_chunks()]
    assert any("41 ferries" in t for t in texts)
    assert not any("14 ferries" in t for t in texts)  # the old wording is gone from the store

    assistant = Assistant(intake_settings.model_copy(update={"answerer": "extractive"}),
                          embedder=embedder)  # fmt: skip
    answer = assistant.ask("How many ferries were held in the harbour of Quillon?")
    assert not answer.refused and "41" in answer.answer
    assert all("14 ferries" not in p.text for p in answer.retrieved)
    cited = answer.citations[0]
    assert cited.url == url and cited.updated_at == "2023-10-04"


def test_wire_copies_are_kept_and_collapsed_in_retrieval(
    site: Site, intake_settings: Settings, counting: CountingEmbedder, embedder: Any
) -> None:
    arts = sample_articles()
    wire = arts[3]  # the Kerry / Lavrov story
    original = publish(site, [wire], prefix="/agency", site_name="Wire Agency")
    copy_path = "/daily/world/russia-air-raids.html"
    site.put(
        copy_path,
        article_page(
            "Kerry: Russian strikes hurt Syria talks",  # a new headline
            [
                "MUNICH (Wire Agency) —",
                *wire["paragraphs"][:-1],
                "Copyright Wire Agency. All rights reserved.",
            ],
            canonical=site.url(copy_path),
            published=wire["published"],
            site_name="The Daily Reprint",
        ),
    )
    others = publish(site, arts[:3])
    links = [*original, site.url(copy_path), *others]
    site.put("/rss.xml", rss_for(site, [wire, wire, *arts[:3]], links))
    with make_intake(intake_settings, counting) as intake:
        result = intake.add_feed(site.url("/rss.xml"))
        assert result.count("added") == 5, [i.line() for i in result.items]

    docs = docs_by_url(intake_settings)
    (a,), (b,) = docs[original[0]], docs[site.url(copy_path)]
    assert a["story"] == b["story"] != ""  # both copies kept, one story
    assert len({d[0]["story"] for d in docs.values()}) == 4

    assistant = Assistant(intake_settings.model_copy(update={"answerer": "extractive"}),
                          embedder=embedder)  # fmt: skip
    answer = assistant.ask("Who is Russia's ambassador to the US?", top_k=4)
    story_docs = {a["doc_id"], b["doc_id"]}
    shown = [p for p in answer.retrieved if p.doc_id in story_docs]
    assert shown and len({p.doc_id for p in shown}) == 1  # one copy only in the top-k
    kept = shown[0]
    other = b if kept.doc_id == a["doc_id"] else a
    assert kept.also_in == [
        {"publisher": other["publisher"], "url": other["url"], "title": other["title"]}
    ]
    assert not answer.refused and answer.citations
    assert answer.citations[0].also_in == kept.also_in
    data = answer.model_dump(mode="json")
    assert data["retrieved"][0]["also_in"] and data["citations"][0]["also_in"]


def test_one_bad_item_does_not_stop_the_feed(
    site: Site, intake_settings: Settings, counting: CountingEmbedder
) -> None:
    arts = sample_articles()
    good = publish(site, arts[:1])
    site.put("/robots.txt", "User-agent: *\nDisallow: /members/\n", "text/plain")
    site.put("/members/a.html", "<html><body><p>secret</p></body></html>")
    site.put("/err500.html", "oops", status=500)
    site.put("/slow.html", "<html></html>", delay_s=4.0)
    site.put("/big.html", b"", stream_bytes=3_000_000)
    site.put("/photo.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    site.put("/empty.html", "<html><body><nav>Home</nav></body></html>")
    bad = ["/gone.html", "/err500.html", "/slow.html", "/big.html", "/photo.jpg",
           "/members/a.html", "/empty.html"]  # fmt: skip
    items = [{"title": f"item {p}", "link": site.url(p)} for p in bad]
    items.insert(3, {"title": arts[0]["title"], "link": good[0]})
    from eval.bench.site import rss

    site.put("/rss.xml", rss("Mixed", site.url("/"), items))
    settings = intake_settings.model_copy(update={"fetch_timeout_s": 1.0, "fetch_max_mb": 1.0})
    with make_intake(settings, counting) as intake:
        result = intake.add_feed(site.url("/rss.xml"))
        again = intake.refresh()[0]
    assert result.status == "added" and result.count("added") == 1
    failed = {i.url: i.detail for i in result.items if i.status == "failed"}
    assert set(failed) == {site.url(p) for p in bad}
    reasons = " | ".join(failed.values())
    for expected in ("not found (404)", "server error (500)", "timed out", "MB limit",
                     "content type image/jpeg", "robots.txt", "no article text"):  # fmt: skip
        assert expected in reasons
    # Validators are not kept while items fail, so the next refresh retries them.
    assert again.count("failed") == len(bad) and again.count("unchanged") == 1


def test_background_refresher_refreshes_due_feeds(
    site: Site, intake_settings: Settings, counting: CountingEmbedder
) -> None:
    arts = sample_articles()
    urls = publish(site, arts[:1])
    site.put("/rss.xml", rss_for(site, arts[:1], urls))
    registry = Registry(intake_settings)
    with make_intake(intake_settings, counting) as intake:
        intake.add_feed(site.url("/rss.xml"), refresh=False)
    changes: list[int] = []
    refresher = FeedRefresher(
        intake_settings, embedder=counting, on_change=lambda: changes.append(1)
    )
    (result,) = refresher.run_once()
    assert result.status == "added" and changes
    assert refresher.run_once() == []  # not due again before its interval
    feed = registry.feeds()[0]
    with registry.lease(feed.id, 60) as held, registry.lease(feed.id, 60) as other:
        assert held and not other  # one worker at a time, even in one process
    with registry.lease(feed.id, 60) as again:
        assert again  # released on exit


def test_a_leased_feed_is_skipped_until_the_lease_expires(
    site: Site, intake_settings: Settings, counting: CountingEmbedder
) -> None:
    """A replica that died holding a feed's lease blocks its refresh only until it expires."""
    arts = sample_articles()
    site.put("/rss.xml", rss_for(site, arts[:1], publish(site, arts[:1])))
    registry = Registry(intake_settings)
    with make_intake(intake_settings, counting) as intake:
        intake.add_feed(site.url("/rss.xml"), refresh=False)
        feed = registry.feeds()[0]
        assert acquire(registry.db, feed_lease(feed.id), ttl_s=0.5, holder="a dead replica")
        (skipped,) = intake.refresh()
        assert skipped.detail == "being refreshed by another worker"
        assert registry.feeds()[0].last_status == ""  # not refreshed
        time.sleep(0.6)
        (result,) = intake.refresh()
    assert result.status == "added" and result.count("added") == 1
    assert registry.feeds()[0].last_status == "added"


@pytest.mark.parametrize("kind", ["page", "unknown"])
def test_adding_something_that_is_not_a_feed_is_refused(
    site: Site, intake_settings: Settings, counting: CountingEmbedder, kind: str
) -> None:
    if kind == "page":
        site.put("/a.html", article_page("T", ["Some text of an article here."]))
        url = site.url("/a.html")
    else:
        site.put("/x.xml", "<?xml version='1.0'?><catalog><book/></catalog>")
        url = site.url("/x.xml")
    with make_intake(intake_settings, counting) as intake:
        result = intake.add_feed(url)
    assert result.status == "failed" and "not followed" in result.detail
    assert Registry(intake_settings).feeds() == []


def test_a_copy_found_by_a_later_run_joins_the_story(
    site: Site, intake_settings: Settings, counting: CountingEmbedder
) -> None:
    """Signatures are read back from the database: a copy fetched by another run (another
    process) still joins the story of the original."""
    wire = sample_articles()[2]
    (original,) = publish(site, [wire], prefix="/agency", site_name="Wire Agency")
    (copy,) = publish(site, [wire], prefix="/reprint", site_name="Reprint Daily")
    with make_intake(intake_settings, counting) as first:
        assert first.ingest_url(original).status == "added"
    with make_intake(intake_settings, counting) as second:
        assert second.ingest_url(copy).status == "added"
    docs = docs_by_url(intake_settings)
    assert docs[original][0]["story"] == docs[copy][0]["story"] == original
