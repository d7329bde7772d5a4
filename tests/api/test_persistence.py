"""Saved conversations outlive a restart and a page reload; thumbs in the browser land in the
database and come out of ``newsdesk feedback export`` as a gold set ``newsdesk eval`` scores."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import AMBASSADOR
from tests.conftest import ROOT, free_port
from tests.ui.conftest import Server, start_server, stop_server

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SHOTS = ROOT / "artifacts" / "screenshots"
UNANSWERABLE = "What is the capital of France?"


def newsdesk(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("newsdesk", path=str(Path(sys.executable).parent)) or "newsdesk"
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(data_dir), "NEWSDESK_ANSWERER": "extractive"}
    return subprocess.run(
        [exe, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def test_conversation_survives_a_server_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data)
    try:
        with httpx.Client(base_url=server.url, timeout=120) as api:
            saved = api.post("/api/v1/ask", json={"question": AMBASSADOR, "save": True}).json()
            before = api.get(f"/api/v1/conversations/{saved['conversation_id']}").json()
    finally:
        stop_server(server)
    server = start_server(data)
    try:
        with httpx.Client(base_url=server.url, timeout=120) as api:
            after = api.get(f"/api/v1/conversations/{saved['conversation_id']}").json()
            assert after == before
            assert after["turns"][0]["answer"]["answer"] == saved["answer"]
            listed = api.get("/api/v1/conversations").json()
            assert [c["id"] for c in listed["conversations"]] == [saved["conversation_id"]]
    finally:
        stop_server(server)


def ask(page: Any, question: str) -> None:
    done = "#nd-chat .nd-answer-meta, #nd-chat .nd-refused, #nd-chat .nd-error"
    count = page.locator(done).count()
    box = page.locator("#nd-question textarea, #nd-question input").first
    box.fill(question)
    box.press("Enter")
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length > n", arg=[done, count])


def open_app(page: Any, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#nd-question textarea, #nd-question input")


def reopened(page: Any, server: Server) -> None:
    """Wait for both questions of the open conversation; on a timeout, fail with what the
    sidebar said and what the server logged."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.locator("#nd-chat .nd-q").nth(1).wait_for()
    except PlaywrightTimeout:
        shown = page.locator("#nd-chat .nd-q").all_inner_texts()
        note = page.locator("#nd-conv-list").inner_text()
        pytest.fail(f"not reopened: questions {shown}; sidebar {note!r}\n{server.log()}")


@pytest.mark.browser
def test_browser_reload_restart_thumbs_and_export(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium missing: run `make browser-deps` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    data, port = tmp_path / "data", free_port()
    server = start_server(data, port=port)  # the same port after the restart: same origin
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            open_app(page, server.url)
            ask(page, AMBASSADOR)
            ask(page, UNANSWERABLE)
            sidebar = page.locator("#nd-conv-list")
            sidebar.get_by_text(AMBASSADOR).wait_for()  # titled by the first question

            # thumbs up on the answer, thumbs down with a comment on the refusal
            page.locator("#nd-chat button[aria-label='Like']").first.click()
            page.wait_for_function(
                "() => document.querySelector('#nd-feedback-note')?.innerText.includes('answer 1')"
            )
            page.locator("#nd-chat button[aria-label='Dislike']").nth(1).click()
            page.wait_for_function(
                "() => document.querySelector('#nd-feedback-note')?.innerText.includes('answer 2')"
            )
            page.locator("#nd-feedback-comment textarea").fill("The articles name Paris nowhere")
            page.locator("#nd-feedback-send").click()
            page.wait_for_function(
                "() => document.querySelector('#nd-feedback-note').innerText.includes('saved')"
            )
            page.screenshot(path=str(SHOTS / "conversations-feedback.png"))

            page.reload()  # the open conversation comes back
            reopened(page, server)
            assert page.locator("#nd-chat .nd-q").all_inner_texts() == [AMBASSADOR, UNANSWERABLE]
            page.screenshot(path=str(SHOTS / "conversations-reloaded.png"))
            assert page.locator("#nd-chat a.nd-cite").count() >= 1

            stop_server(server)
            server = start_server(data, port=port)
            open_app(page, server.url)  # after a restart too
            reopened(page, server)
            sidebar.get_by_text(AMBASSADOR).wait_for()

            # a new conversation, then resume the first from the sidebar
            page.locator("#nd-new").click()
            page.wait_for_function("() => !document.querySelector('#nd-chat .nd-q')")
            ask(page, "How many children have been killed by Russian airstrikes?")
            page.wait_for_function(
                "() => document.querySelectorAll('#nd-conv-list label').length === 2"
            )
            page.locator("#nd-conv-list label").nth(1).click()
            page.wait_for_function("() => document.querySelectorAll('#nd-chat .nd-q').length === 2")
            assert page.locator("#nd-chat .nd-q").first.inner_text() == AMBASSADOR
            # rename, export
            page.locator("#nd-conv-title textarea, #nd-conv-title input").first.fill("Envoy")
            page.locator("#nd-conv-rename").click()
            sidebar.get_by_text("Envoy").wait_for()
            with page.expect_download() as download:
                page.locator("#nd-conv-export").click()
            markdown = Path(download.value.path()).read_text(encoding="utf-8")
            assert markdown.startswith("# Envoy") and f"## 1. {AMBASSADOR}" in markdown
            assert "> " in markdown and "Sources" in markdown
            page.screenshot(path=str(SHOTS / "conversations-sidebar.png"))
        finally:
            context.close()
            browser.close()
            stop_server(server)

    stats = newsdesk(data, "feedback", "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    counts = json.loads(stats.stdout)
    assert counts["by_verdict"] == {"up": 1, "down": 1}
    assert counts["by_outcome"]["extractive"]["up"] == 1
    refused = [o for o, by in counts["by_outcome"].items() if by["down"]]
    assert len(refused) == 1 and refused[0].startswith("refused:")

    gold = tmp_path / "feedback.jsonl"
    exported = newsdesk(data, "feedback", "export", "--out", str(gold))
    assert exported.returncode == 0, exported.stderr
    records = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    up, down = records
    assert up["question"] == AMBASSADOR and up["type"] == "feedback" and not up["review"]
    assert "Russia's ambassador to the US" in up["answers"][0] and "[1]" not in up["answers"][0]
    assert up["docs"] == ["003_b5e0c7ee18c80093.txt"] and up["evidence"][0]["fact"]
    assert down["review"] is True and down["type"] == "needs-review"
    assert down["turns"] == [AMBASSADOR, UNANSWERABLE]
    assert down["feedback"]["comment"] == "The articles name Paris nowhere"

    scored = newsdesk(
        data, "eval", str(gold), "--answerer", "extractive", "--out", str(tmp_path / "ev")
    )
    assert scored.returncode == 0, scored.stderr[-2000:]
    results = json.loads((tmp_path / "ev" / "results.json").read_text())
    assert results["errors"] == 0 and len(results["questions"]) == 2
