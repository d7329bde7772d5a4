"""The command line: `newsdesk ingest https://…`, `newsdesk feeds …`, `stats --json` feeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.bench.site import Site
from tests.intake.conftest import publish, rss_for, sample_articles
from ui.cli import app


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(data))
    monkeypatch.setenv("NEWSDESK_COLLECTION", "cli")
    monkeypatch.setenv("NEWSDESK_FETCH_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("NEWSDESK_FETCH_HOST_DELAY_S", "0")
    monkeypatch.setenv("NEWSDESK_FETCH_TIMEOUT_S", "2")
    return data


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_feeds_add_list_refresh_remove_and_stats(site: Site, env: Path) -> None:
    arts = sample_articles()
    urls = publish(site, arts[:2])
    site.put("/rss.xml", rss_for(site, arts[:2], urls))
    feed = site.url("/rss.xml")

    code, out = run("feeds", "add", feed, "--every", "10")
    assert code == 0, out
    assert f"added     {feed}: 2 added, 0 updated, 0 unchanged, 0 failed" in out

    code, out = run("feeds", "list", "--json")
    assert code == 0, out
    (info,) = json.loads(out)
    assert info["url"] == feed and info["articles"] == 2 and info["every_minutes"] == 10
    assert info["last_status"] == "added" and info["title"] == "Sample News"
    assert info["last_refresh"] and info["next_refresh"]

    site.put("/gone.html", "x", status=404)  # a new item that fails
    from eval.bench.site import rss

    items = [{"title": a["title"], "link": u} for a, u in zip(arts[:2], urls, strict=True)]
    items.append({"title": "G", "link": site.url("/gone.html")})
    site.put("/rss.xml", rss("Sample News", site.url("/"), items))
    code, out = run("feeds", "refresh")
    assert code == 0, out  # the feed did not fail; one of its items did
    lines = out.strip().splitlines()
    assert any(line.startswith(f"unchanged {feed}: 0 added") for line in lines), out
    assert f"failed    {site.url('/gone.html')}: not found (404)" in out

    code, out = run("stats", "--json")
    assert code == 0, out
    stats = json.loads(out)
    assert stats["documents"] == 2 and stats["feeds"]["count"] == 1
    assert stats["feeds"]["web_articles"] == 2

    code, out = run("feeds", "remove", feed)
    assert code == 0 and "2 articles kept" in out
    code, out = run("feeds", "list", "--json")
    assert json.loads(out) == []
    code, out = run("feeds", "refresh", feed)
    assert code == 2 and "no such feed" in out


def test_ingest_accepts_urls_next_to_files(site: Site, env: Path, tmp_path: Path) -> None:
    arts = sample_articles()
    (url,) = publish(site, arts[:1])
    note = tmp_path / "note.txt"
    note.write_text("A local note\n\nThe harbour of Quillon reopened on Monday morning.\n")
    code, out = run("ingest", url, str(note))
    assert code == 0, out
    assert f"added     {url}" in out and "added 1" in out
    code, out = run("ingest", url)  # again: a conditional GET, nothing new
    assert code == 0 and "unchanged" in out and "304" in out
    code, out = run("ingest", site.url("/missing.html"))
    assert code == 1 and "not found (404)" in out


def test_ssrf_is_refused_on_the_command_line(site: Site, env: Path, monkeypatch) -> None:
    monkeypatch.setenv("NEWSDESK_FETCH_ALLOW_PRIVATE", "false")
    site.put("/a.html", "<html><body><p>hello</p></body></html>")
    code, out = run("ingest", site.url("/a.html"))
    assert code == 1 and "refused" in out and "loopback" in out
    code, out = run("feeds", "add", site.url("/a.html"))
    assert code == 1 and "refused" in out
    code, out = run("ingest", "ftp://example.com/feed.xml")
    assert code == 2 and "only http and https" in out  # a usage error
    assert site.requests == []
