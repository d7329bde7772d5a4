"""The Feeds section in a real browser: add a feed in the Library tab, then ask about it.

``newsdesk serve`` runs with private addresses allowed (the feed is on a local site) and its
background refresh on; Debian's chromium is driven by playwright (see tests/ui/test_browser.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from eval.bench.site import Site, article_page, rfc822, rss
from tests.ui.conftest import ARGS, CHROMIUM, DESKTOP, TIMEOUT_MS, Server, start_server, stop_server
from tests.ui.test_browser import SHOTS, ask

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STORY = [
    "The Marrow Valley observatory recorded 212 meteors in a single hour on Saturday night, "
    "the highest count since the station opened in 1987.",
    "Astronomer Ilse Varga, who runs the observatory, said clear skies and a new wide-field "
    "camera explained most of the jump.",
    "Volunteers from three nearby schools helped log the meteors until dawn, and the data will "
    "be shared with the regional meteor network next month.",
]


COMET = [
    "An amateur astronomer, Tamsin Orr, spotted a faint comet over Marrow Valley on Monday "
    "night using a backyard telescope.",
    "The observatory confirmed the sighting the next morning and reported it to the minor "
    "planet centre, which is expected to name the comet after her.",
]


def first_item(site: Site) -> dict[str, str]:
    return {
        "title": "Marrow Valley observatory logs record meteor shower",
        "link": site.url("/science/meteors.html"),
        "date": rfc822("2023-11-12T06:00:00Z"),
    }


@pytest.fixture
def feed_site() -> Iterator[Site]:
    with Site() as site:
        path = "/science/meteors.html"
        site.put(
            path,
            article_page(
                "Marrow Valley observatory logs record meteor shower",
                STORY,
                canonical=site.url(path),
                published="2023-11-12T06:00:00Z",
                site_name="Valley Science News",
            ),
        )
        site.put("/science/rss.xml", rss("Valley Science News", site.url("/"), [first_item(site)]))
        yield site


@pytest.fixture
def feed_server(tmp_path: Path) -> Iterator[Server]:
    env = {
        "NEWSDESK_FETCH_ALLOW_PRIVATE": "true",
        "NEWSDESK_FETCH_HOST_DELAY_S": "0",
        "NEWSDESK_FEED_REFRESH_MINUTES": "0.1",  # the background refresh every 6 s
    }
    running = start_server(tmp_path / "serve", env=env)
    yield running
    stop_server(running)


def test_add_a_feed_in_the_library_then_ask_about_it(feed_site: Site, feed_server: Server) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("chromium missing: run `make browser-deps`")
    feed = feed_site.url("/science/rss.xml")
    article = feed_site.url("/science/meteors.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_context(viewport=DESKTOP).new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(feed_server.url, wait_until="domcontentloaded")
            page.wait_for_selector("#nd-question textarea, #nd-question input")

            page.get_by_role("tab", name="Library").click()
            page.locator("#nd-feed-url input, #nd-feed-url textarea").first.fill(feed)
            page.locator("#nd-feed-add").click()
            message = page.locator("#nd-feed-message .nd-res").first
            message.wait_for()
            assert message.inner_text().startswith("added"), message.inner_text()
            assert "1 added" in message.inner_text()
            table = page.locator("#nd-feeds table")
            table.wait_for()
            assert "Valley Science News" in table.inner_text()
            assert feed in table.inner_text() and "added" in table.inner_text()
            # the library table shows the article with its URL
            page.wait_for_function(
                "u => document.querySelector('#nd-library').innerText.includes(u)", arg=article
            )
            page.screenshot(path=str(SHOTS / "library-feeds.png"), full_page=True)

            page.get_by_role("tab", name="Chat").click()
            bubble = ask(page, "How many meteors did the Marrow Valley observatory record?")
            assert "212" in bubble.inner_text(), bubble.inner_text()
            card = page.locator("#nd-sources .nd-src").first
            assert "Marrow Valley observatory logs record meteor shower" in card.inner_text()
            assert "Valley Science News" in card.inner_text()
            bubble.locator("a.nd-cite").first.click()
            source = page.locator("#nd-article .nd-article-source a.nd-url")
            source.wait_for()
            assert source.get_attribute("href") == article

            # A new article in the feed arrives through the background refresh of the server.
            later = feed_site.url("/science/comet.html")
            page_html = article_page(
                "Amateur astronomer spots comet over Marrow Valley",
                COMET,
                canonical=later,
                published="2023-11-13T06:00:00Z",
                site_name="Valley Science News",
            )
            feed_site.put("/science/comet.html", page_html)
            comet = {"title": "Comet", "link": later, "date": rfc822("2023-11-13T06:00:00Z")}
            items = [first_item(feed_site), comet]
            feed_site.put("/science/rss.xml", rss("Valley Science News", "/", items))
            deadline = time.time() + 90
            while not feed_site.hits("/science/comet.html") and time.time() < deadline:
                time.sleep(0.5)
            assert feed_site.hits("/science/comet.html"), "the background refresh did not run"
            time.sleep(3)  # the retriever picks the new article up within seconds
            bubble = ask(page, "Who spotted the comet over Marrow Valley?")
            assert "Tamsin Orr" in bubble.inner_text(), bubble.inner_text()
        finally:
            browser.close()
    # the server fetched the feed and the page itself, with its own User-Agent
    assert feed_site.hits("/science/meteors.html")[0].headers["User-Agent"].startswith("Newsdesk")
