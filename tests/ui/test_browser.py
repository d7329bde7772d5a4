"""The app in a real browser: Debian's chromium driven by playwright against ``newsdesk serve``.

Screenshots go to ``artifacts/screenshots/``; with ``NEWSDESK_UPDATE_SCREENSHOT=1`` the desktop
chat one is also copied to the README's ``docs/screenshot.png`` (otherwise the repo stays as it is).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.ui.conftest import TIMEOUT_MS, Server, write_article

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ROOT / "artifacts" / "screenshots"
SHOTS.mkdir(parents=True, exist_ok=True)
PHONE = {"width": 390, "height": 844}

# Records every class that appears in the chat, to prove the answer streamed in.
WATCH_CHAT = """() => {
  window.__ndSeen = new Set();
  const note = (n) => { if (n.classList) n.classList.forEach(c => window.__ndSeen.add(c));
                        if (n.querySelectorAll) n.querySelectorAll('[class]').forEach(
                          e => e.classList.forEach(c => window.__ndSeen.add(c))); };
  new MutationObserver(ms => ms.forEach(m => { note(m.target); m.addedNodes.forEach(note); }))
    .observe(document.querySelector('#nd-chat'),
             {childList: true, subtree: true, attributes: true, characterData: true});
}"""

# The highlighted span is visible: inside its panel, below the panel's sticky header, and
# inside the window.
IN_VIEW = """() => {
  const m = document.querySelector('#nd-article mark#nd-hl').getBoundingClientRect();
  const p = document.querySelector('#nd-article').getBoundingClientRect();
  const h = document.querySelector('#nd-article .nd-article-head').getBoundingClientRect();
  return m.top >= h.bottom - 1 && m.top < p.bottom - 10 && m.top >= 0 && m.top < innerHeight;
}"""


def ask(pg: Any, question: str) -> Any:
    """Type a question, press Enter, wait for the final answer bubble; returns it."""
    before = pg.locator("#nd-chat .nd-answer-meta, #nd-chat .nd-refused, #nd-chat .nd-error")
    count = before.count()
    box = pg.locator("#nd-question textarea, #nd-question input").first
    box.fill(question)
    box.press("Enter")
    pg.wait_for_function(
        """n => document.querySelectorAll(
             '#nd-chat .nd-answer-meta, #nd-chat .nd-refused, #nd-chat .nd-error').length > n""",
        arg=count,
    )
    return pg.locator("#nd-chat .nd-answer, #nd-chat .nd-error").last


def test_ask_stream_cite_and_open_the_article(page: Any) -> None:
    page.evaluate(WATCH_CHAT)
    bubble = ask(page, "Who is Russia's ambassador to the US?")
    assert page.evaluate("() => window.__ndSeen.has('nd-streaming')"), "no streaming state seen"
    assert "Russia's ambassador to the US" in bubble.inner_text()
    assert "<" not in bubble.inner_text()
    badge = bubble.locator("a.nd-cite").first
    assert badge.inner_text() == "1"

    # the sources panel: title, date, and the quote highlighted inside its passage
    card = page.locator("#nd-sources .nd-src").first
    assert "Russian air raids damaging Syria peace talks" in card.inner_text()
    assert "2016-02-10" in card.inner_text()
    quote = card.locator("mark.nd-hl").inner_text()
    assert "Russia's ambassador to the US" in quote
    assert "Kislyak" in card.locator(".nd-passage").inner_text()

    badge.click()
    mark = page.locator("#nd-article mark#nd-hl")
    mark.wait_for()
    assert mark.inner_text() == quote
    assert "Kerry" in page.locator("#nd-article .nd-article-title").inner_text()
    page.wait_for_function(IN_VIEW)  # scrolled into view inside its panel, not under its header
    assert page.locator("#nd-sources .nd-src.nd-active").count() == 1
    shot = SHOTS / "chat-desktop.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size < 300_000
    if os.environ.get("NEWSDESK_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, ROOT / "docs" / "screenshot.png")


def test_refusal_and_script_in_the_question_is_shown_as_text(page: Any) -> None:
    evil = "<script>alert(1)</script> <img src=x onerror=alert(2)> What is the capital of France?"
    bubble = ask(page, evil)
    assert page.locator("#nd-chat .nd-q").last.inner_text() == evil
    assert page.locator("#nd-chat script, #nd-chat img[src='x']").count() == 0
    assert "nd-refused" in (bubble.get_attribute("class") or "")
    assert bubble.inner_text().strip().endswith("The articles don't say.")
    page.wait_for_timeout(500)  # give a (wrongly) injected script the time to fire
    page.screenshot(path=str(SHOTS / "chat-refusal-and-escaping.png"))


def test_new_conversation_and_examples(page: Any) -> None:
    example = page.locator("#nd-examples button").first
    example.wait_for()
    text = example.inner_text()
    example.click()
    page.locator("#nd-chat .nd-answer-meta").first.wait_for()
    assert page.locator("#nd-chat .nd-q").first.inner_text().startswith(text.rstrip(".…"))
    page.locator("#nd-new").click()
    page.wait_for_function("() => !document.querySelector('#nd-chat .nd-q')")
    assert "Ask a question" in page.locator("#nd-sources").inner_text()


def test_upload_in_the_library_then_ask_about_it(page: Any, tmp_path: Path) -> None:
    new = write_article(
        tmp_path,
        "quillon.txt",
        "Quillon ferry service resumes",
        "The Quillon ferry service resumed on Monday under its new captain, "
        "Marisol Tendeck, after a winter of repairs to the slipway.",
    )
    page.get_by_role("tab", name="Library").click()
    page.locator("#nd-library table").wait_for()
    page.locator("#nd-upload input[type=file]").set_input_files(str(new))
    page.locator("#nd-add").click()
    result = page.locator("#nd-results .nd-res").first
    result.wait_for()
    assert result.inner_text().startswith("added")
    assert "quillon.txt: Quillon ferry service resumes" in result.inner_text()
    page.locator("#nd-search input, #nd-search textarea").first.fill("quillon ferry")
    page.wait_for_function(
        "() => document.querySelector('#nd-library').innerText.includes('1 of ')"
    )
    assert "Quillon ferry service resumes" in page.locator("#nd-library").inner_text()
    page.screenshot(path=str(SHOTS / "library-upload.png"))

    page.get_by_role("tab", name="Chat").click()
    question = "Who is the new captain of the Quillon ferry?"
    bubble = ask(page, question)
    assert "Marisol Tendeck" in bubble.inner_text()
    assert bubble.locator("a.nd-cite").count() >= 1

    # delete it again: gone from the library, and no longer answerable
    page.get_by_role("tab", name="Library").click()
    page.locator("#nd-delete-choice input").first.click()
    page.get_by_role("option", name="Quillon ferry service resumes").click()
    page.locator("#nd-delete").click()
    page.wait_for_function(
        "() => document.querySelector('#nd-library').innerText.includes('No article matches')"
    )
    assert "Deleted “Quillon ferry service resumes”" in page.locator("body").inner_text()
    page.get_by_role("tab", name="Chat").click()
    assert "nd-refused" in (ask(page, question).get_attribute("class") or "")


def test_bad_question_shows_a_one_line_error_and_the_chat_goes_on(page: Any) -> None:
    error = ask(page, "???")
    assert "nd-error" in (error.get_attribute("class") or "")
    assert "the question has no words" in error.inner_text()
    bubble = ask(page, "Who is Russia's ambassador to the US?")
    assert bubble.locator("a.nd-cite").count() >= 1


def test_settings_offer_only_available_answerers(page: Any) -> None:
    from index.settings import Settings
    from qa.generators import available_answerers

    page.locator("#nd-settings").get_by_text("Settings").click()
    page.locator("#nd-settings input").first.click()
    shown = page.get_by_role("option").all_inner_texts()
    assert [s.replace("✓", "").strip() for s in shown] == available_answerers(Settings())
    assert page.get_by_label("Number of passages").first.is_visible()


def test_phone_width_layout(browser: Any, server: Server) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    try:
        pg.goto(server.url, wait_until="domcontentloaded")
        pg.wait_for_selector("#nd-question textarea, #nd-question input")
        bubble = ask(pg, "Who is Russia's ambassador to the US?")
        top = "s => document.querySelector(s).getBoundingClientRect().top + scrollY"
        assert pg.evaluate(top, "#nd-sources") > pg.evaluate(top, "#nd-chat") + 200  # stacked
        assert pg.evaluate("() => document.documentElement.scrollWidth <= innerWidth + 1")
        bubble.locator("a.nd-cite").first.tap()
        pg.locator("#nd-article mark#nd-hl").wait_for()
        pg.wait_for_function(IN_VIEW)
        pg.screenshot(path=str(SHOTS / "chat-phone.png"), full_page=True)
    finally:
        context.close()
