"""ui/views.py: escaping, exact highlighting, badges that point at their citations."""

from __future__ import annotations

import html
import re

from qa.answer import Answer, Citation, Passage
from ui import views

EVIL = "<script>alert(1)</script>"
ARTICLE = (
    "Kerry spoke on Tuesday. "
    f"Lavrov <b>met</b> him in Munich & said {EVIL} nothing. "
    "Later, Kislyak said: 'We have only one mission.'"
)
QUOTE = f"Lavrov <b>met</b> him in Munich & said {EVIL} nothing."
PASSAGE_START = 10  # the passage starts inside the article


def _answer(refused: bool = False, question: str = "Where did they meet?") -> Answer:
    passage_text = ARTICLE[PASSAGE_START:]
    q_start = ARTICLE.index(QUOTE)
    passage = Passage(
        rank=1,
        chunk_id="c1",
        doc_id="d1",
        title=f"Talks {EVIL}",
        source="/srv/data/talks.txt",
        publisher="Pub <i>",
        published_at="2016-02-10",
        start=PASSAGE_START,
        end=len(ARTICLE),
        text=passage_text,
        score=1.0,
    )
    citation = Citation(
        n=1,
        doc_id="d1",
        title=passage.title,
        source=passage.source,
        publisher=passage.publisher,
        published_at="2016-02-10T09:00:00",
        chunk_id="c1",
        text=passage_text,
        quote=QUOTE,
        start=q_start,
        end=q_start + len(QUOTE),
        score=0.9,
    )
    if refused:
        return Answer(
            question=question,
            standalone_question=question,
            answer="The articles don't say.",
            refused=True,
            retrieved=[passage],
            answerer="extractive",
        )
    return Answer(
        question=question,
        standalone_question=question,
        answer=f"They met in Munich {EVIL} [1]. Kislyak spoke [1, 2].",
        refused=False,
        citations=[citation, citation.model_copy(update={"n": 2})],
        retrieved=[passage],
        answerer="extractive",
        timings_ms={"total": 1234.0},
    )


def _no_raw_tags(markup: str) -> None:
    """None of the article's or user's tags survive as markup."""
    assert "<script" not in markup
    assert "<b>" not in markup and "<i>" not in markup


def test_question_is_escaped_text() -> None:
    out = views.question_html(f"Why {EVIL} *bold*\n\n<img src=x onerror=alert(1)>")
    _no_raw_tags(out)
    assert "<img" not in out
    assert html.escape(EVIL) in out
    assert "\n" not in out  # one block: Markdown never gets to re-interpret it


def test_answer_escapes_text_and_turns_markers_into_badges() -> None:
    answer = _answer()
    out = views.answer_html(answer, turn=3)
    _no_raw_tags(out)
    assert html.escape(EVIL) in out
    assert "[1]" not in out and "[1, 2]" not in out
    badges = re.findall(r'<a class="nd-cite" href="#nd-src-(\d+)-(\d+)"', out)
    assert badges == [("3", "1"), ("3", "1"), ("3", "2")]
    # every badge points at a card the sources panel renders for the same turn
    panel = views.sources_html(answer, turn=3)
    for turn, n in badges:
        assert f'id="nd-src-{turn}-{n}"' in panel


def test_refusal_looks_distinct_and_has_no_badges() -> None:
    out = views.answer_html(_answer(refused=True), turn=0)
    assert "nd-refused" in out and "nd-cite" not in out
    panel = views.sources_html(_answer(refused=True), turn=0)
    assert 'class="nd-src"' not in panel and "don't say" in panel


def test_highlight_wraps_exactly_the_span() -> None:
    text = "abc <x> def & ghi"
    start, end = text.index("<x>"), text.index("&") + 1
    out = views.highlight(text, start, end)
    assert out == 'abc <mark class="nd-hl">&lt;x&gt; def &amp;</mark> ghi'
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", out)) == text
    assert views.highlight(text, 5, 5) == html.escape(text)
    assert views.highlight(text, -3, 999).count("<mark") == 1


def _marked(markup: str) -> str:
    found = re.search(r"<mark[^>]*>(.*?)</mark>", markup, re.S)
    assert found, markup
    return html.unescape(found.group(1))


def test_sources_panel_highlights_the_quote_inside_its_passage() -> None:
    answer = _answer()
    out = views.sources_html(answer, turn=0)
    _no_raw_tags(out)
    assert out.count("<mark") == 2  # one per citation card
    assert _marked(out) == QUOTE
    assert "Pub &lt;i&gt; · 2016-02-10" in out  # publisher and date, escaped
    assert html.escape(f"Talks {EVIL}") in out


def test_quote_offsets_fall_back_to_search_when_offsets_are_off() -> None:
    answer = _answer()
    moved = answer.citations[0].model_copy(update={"start": 0})
    assert views.quote_in_passage(answer, moved) == (
        moved.text.index(QUOTE),
        moved.text.index(QUOTE) + len(QUOTE),
    )
    gone = moved.model_copy(update={"quote": "not in the passage"})
    assert views.quote_in_passage(answer, gone) is None


def test_article_view_highlights_the_cited_span_with_an_anchor() -> None:
    c = _answer().citations[0]
    meta = {
        "title": f"Talks {EVIL}",
        "source": "/srv/data/talks.txt",
        "publisher": "P",
        "published_at": "2016-02-10",
    }
    out = views.article_html(ARTICLE, meta, c.quote, c.start, n=1)
    _no_raw_tags(out)
    assert '<mark class="nd-hl" id="nd-hl">' in out
    assert _marked(out) == QUOTE
    assert "/srv/data" not in out and "talks.txt" in out  # no server paths
    # the article text around the mark is all there, as text
    body = re.search(r'<div class="nd-article-body">(.*)</div></article>', out, re.S)
    assert body and html.unescape(re.sub(r"</?mark[^>]*>", "", body.group(1))) == ARTICLE


def test_article_view_without_the_quote_says_so() -> None:
    out = views.article_html("Other text.", {"title": "T"}, "missing quote", 3)
    assert "<mark" not in out and "no longer in this article" in out


def test_streaming_and_errors_are_escaped() -> None:
    _no_raw_tags(views.streaming_html(f"partial {EVIL} <b>"))
    out = views.error_html(f"the question is empty {EVIL}")
    _no_raw_tags(out)
    assert "nd-error" in out


def test_library_table_filters_by_title_and_escapes() -> None:
    docs = [
        {
            "doc_id": "a",
            "title": "Kerry in Munich",
            "publisher": "AP",
            "published_at": "2016-02-10",
            "chunks": 9,
        },
        {"doc_id": "b", "title": f"Evil {EVIL}", "publisher": "", "published_at": "", "chunks": 1},
    ]
    out = views.library_html(docs)
    _no_raw_tags(out)
    assert "2 of 2 articles" in out and "Kerry in Munich" in out and ">9<" in out
    only = views.library_html(docs, "munich KERRY")
    assert "1 of 2 articles" in only and "Evil" not in only
    assert "No article matches" in views.library_html(docs, "zzz")
    assert views.doc_choice(docs[0]) == ("Kerry in Munich (AP, 2016-02-10)", "a")


def test_results_lines() -> None:
    out = views.results_html(
        [
            {"file": "a.txt", "status": "added", "detail": "3 chunks", "title": "A <b>"},
            {"file": "b.pdf", "status": "skipped", "detail": "unsupported file type", "title": ""},
        ]
    )
    _no_raw_tags(out)
    assert "added</span> a.txt: A &lt;b&gt;" in out
    assert "skipped</span> b.pdf: unsupported file type" in out


def test_example_questions_follow_the_loaded_articles() -> None:
    docs = [{"file": "/x/data/sample/003_b5e0c7ee18c80093.txt"}, {"file": "/u/other.txt"}]
    assert views.example_questions(docs) == ["Who is Russia's ambassador to the US?"]
    assert views.example_questions([]) == []


def test_every_outcome_reads_as_words_under_the_answer() -> None:
    from qa.answer import OUTCOMES

    assert set(OUTCOMES) <= set(views.OUTCOME_LABELS)
    turned = _answer().model_copy(update={"answer": "No [1]", "outcome": "model+turned"})
    out = views.answer_html(turned, turn=0)
    assert "nd-outcome-model-turned" in out and "cited sources say no" in out
