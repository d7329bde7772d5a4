"""What the browser shows while an answer is made, driven by a scripted generator.

The generator is a real local OpenAI-compatible HTTP server whose reply the test sets, so the
tests can make it slow, put markup in its draft, or have it invent a sentence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fake_openai import FakeOpenAI
from tests.ui.conftest import TIMEOUT_MS, Server, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Records, in #nd-chat and #nd-sources, every class that appears and whether an <img> ever did.
WATCH = """() => {
  window.__ndSeen = new Set(); window.__ndImg = false; window.__ndOrder = [];
  const note = (n) => {
    if (n.nodeName === 'IMG' || (n.querySelector && n.querySelector('img'))) window.__ndImg = true;
    const all = n.querySelectorAll ? [n, ...n.querySelectorAll('[class]')] : [];
    all.forEach(e => e.classList && e.classList.forEach(c => {
      if (!window.__ndSeen.has(c)) window.__ndOrder.push(c);
      window.__ndSeen.add(c); }));
  };
  for (const sel of ['#nd-chat', '#nd-sources']) {
    new MutationObserver(ms => ms.forEach(m => { note(m.target); m.addedNodes.forEach(note); }))
      .observe(document.querySelector(sel),
               {childList: true, subtree: true, attributes: true, characterData: true});
  }
}"""


@pytest.fixture(scope="module")
def generator() -> Iterator[FakeOpenAI]:
    scripted = FakeOpenAI(model="scripted")
    yield scripted
    scripted.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, generator: FakeOpenAI) -> Iterator[Server]:
    env = {"NEWSDESK_ANSWERER": "openai", "NEWSDESK_OPENAI_BASE_URL": generator.base_url,
           "NEWSDESK_OPENAI_MODEL": "scripted"}  # fmt: skip
    running = start_server(tmp_path_factory.mktemp("serve-scripted"), env=env)
    yield running
    stop_server(running)


def _send(pg: Any, question: str) -> int:
    finals = pg.locator("#nd-chat .nd-answer-meta").count()
    box = pg.locator("#nd-question textarea, #nd-question input").first
    box.fill(question)
    box.press("Enter")
    return finals


def _wait_final(pg: Any, before: int) -> Any:
    pg.wait_for_function(
        "n => document.querySelectorAll('#nd-chat .nd-answer-meta').length > n", arg=before
    )
    return pg.locator("#nd-chat .nd-answer").last


def test_sources_are_shown_before_the_answer_completes(page: Any, generator: FakeOpenAI) -> None:
    generator.reply, generator.delay_s = "Sergey Kislyak is the ambassador.", 0.8
    page.evaluate(WATCH)
    before = _send(page, "Who is Russia's ambassador to the US?")
    page.wait_for_selector("#nd-sources .nd-found", timeout=TIMEOUT_MS)
    # The generator needs ≥ 4 s for its five words: the answer cannot be there yet.
    assert page.locator("#nd-chat .nd-answer-meta").count() == before
    assert (
        "Russia's ambassador" in page.locator("#nd-sources .nd-found mark.nd-hl").first.inner_text()
    )
    bubble = _wait_final(page, before)
    order = page.evaluate("() => window.__ndOrder")
    assert order.index("nd-found") < order.index("nd-final")
    assert "Kislyak" in bubble.inner_text()
    assert page.locator("#nd-sources .nd-found").count() == 0  # now the cited sources


def test_markup_in_the_draft_renders_as_text(page: Any, generator: FakeOpenAI) -> None:
    generator.reply = "Kislyak ![x](http://127.0.0.1:9/x.png) <img src=x onerror=alert(1)> said it."
    generator.delay_s = 0.3
    page.evaluate(WATCH)
    before = _send(page, "Who is Russia's ambassador to the US?")
    page.wait_for_function(
        "() => (document.querySelector('#nd-chat .nd-draft-text') || {}).innerText"
        "?.includes('onerror')"
    )
    draft = page.locator("#nd-chat .nd-draft-text").last.inner_text()
    assert "![x](http://127.0.0.1:9/x.png)" in draft and "<img src=x" in draft
    bubble = _wait_final(page, before)
    assert not page.evaluate("() => window.__ndImg"), "an <img> was rendered from the draft"
    assert "img" not in bubble.inner_text() and "127.0.0.1:9" not in bubble.inner_text()


def test_an_unsupported_sentence_never_reaches_the_final_bubble(
    page: Any, generator: FakeOpenAI
) -> None:
    generator.reply = (
        "Sergey Kislyak is Russia's ambassador to the US. He plays chess every morning in Paris."
    )
    generator.delay_s = 0.05
    before = _send(page, "Who is Russia's ambassador to the US?")
    bubble = _wait_final(page, before)
    text = bubble.inner_text()
    assert "Kislyak" in text and "chess" not in text and "Paris" not in text
    meta = page.locator("#nd-chat .nd-answer-meta").last
    assert "nd-outcome-model" in (meta.get_attribute("class") or "").split()
