"""Adding an article by URL through the REST API: a real `newsdesk serve`, a real local site.

The server runs with private addresses allowed (the site is on 127.0.0.1), as a newsroom's
intranet would; the refusal of private addresses without that flag is in tests/api.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from eval.bench.site import Site, article_page
from tests.ui.conftest import Server, start_server, stop_server

pytestmark = pytest.mark.slow

STORY = [
    "The Harlow Bridge reopened on Tuesday after 14 months of repairs costing 38 million pounds, "
    "the county council said.",
    "Engineer Priya Nandakumar, who led the works, said the new deck would carry traffic for "
    "another 80 years.",
]


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as running:
        path = "/local/bridge.html"
        running.put(
            path,
            article_page(
                "Harlow Bridge reopens after 14 months",
                STORY,
                canonical=running.url(path),
                published="2024-03-05T08:00:00Z",
                site_name="Harlow Courier",
            ),
        )
        yield running


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    env = {"NEWSDESK_FETCH_ALLOW_PRIVATE": "true", "NEWSDESK_FETCH_HOST_DELAY_S": "0"}
    running = start_server(tmp_path / "serve", env=env)
    yield running
    stop_server(running)


def test_add_by_url_then_ask(site: Site, server: Server) -> None:
    url = site.url("/local/bridge.html")
    with httpx.Client(base_url=server.url, timeout=120) as api:
        added = api.post("/api/v1/articles", json={"url": url})
        assert added.status_code == 200, added.text
        (result,) = added.json()["results"]
        assert result == {
            "file": url,
            "status": "added",
            "detail": result["detail"],
            "title": "Harlow Bridge reopens after 14 months",
        }
        again = api.post("/api/v1/articles", json={"url": url}).json()["results"]
        assert [r["status"] for r in again] == ["unchanged"]  # a conditional request, no re-embed

        answer = api.post("/api/v1/ask", json={"question": "Who led the Harlow Bridge works?"})
        body = answer.json()
        assert "Nandakumar" in body["answer"], body
        assert body["citations"][0]["source"] == url

        missing = api.post("/api/v1/articles", json={"url": site.url("/local/nowhere.html")})
        assert missing.status_code == 422 and "404" in missing.json()["error"], missing.text
