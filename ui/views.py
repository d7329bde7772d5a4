"""Pure rendering functions: data in, safe HTML out (no Gradio, no store access).

Every piece of text that comes from an article, a file name or a user (titles, passages,
quotes, questions, error messages) goes through :func:`esc` before it is placed in markup;
only the tags written here (badges, ``<mark>``, cards) are ever rendered as HTML.

Example:
    >>> highlight("a <b> c", 2, 5)
    'a <mark class="nd-hl">&lt;b&gt;</mark> c'
    >>> question_html("<script>alert(1)</script>")
    '<div class="nd-q">&lt;script&gt;alert(1)&lt;/script&gt;</div>'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from qa.answer import Answer, Citation, Sources

MARKER_RE = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")

#: Example questions for the bundled sample articles, keyed by file name (answerable by
#: every answerer, including ``extractive``).
SAMPLE_QUESTIONS: dict[str, str] = {
    "003_b5e0c7ee18c80093.txt": "Who is Russia's ambassador to the US?",
    "000_f88939bbbeb213e0.txt": "Which Russian Foreign Ministry spokeswoman described the "
    "consultations in Geneva?",
    "001_cc4a43af9f9fdc91.txt": "How many people did the UN say were massed at the border "
    "with Turkey?",
    "004_80b4455002d72ebe.txt": "What phrase did Kerry use to describe the Russian Defense "
    "Ministry's account of the convoy strike?",
    "002_621a9f7a389d3fa3.txt": "How many children have been killed by Russian airstrikes?",
}

ARTICLE_PLACEHOLDER = (
    '<div class="nd-empty">Click a citation badge to read the whole article, '
    "with the supporting passage highlighted.</div>"
)
SOURCES_PLACEHOLDER = (
    '<div class="nd-empty">Ask a question: the passages the answer cites appear here, '
    "with the supporting quote highlighted.</div>"
)


#: HTML's special characters and those Markdown (which the chat renders) would turn into images,
#: links or emphasis, each as a character reference (one pass: no reference is escaped twice).
_PLAIN = str.maketrans({c: f"&#{ord(c)};" for c in "&<>\"'[]()!*_`~#|\\"})


def esc(text: object) -> str:
    """HTML-escape any text (quotes included) so that it can only ever render as text."""
    return html.escape(str(text), quote=True)


def plain(text: object) -> str:
    """Text that renders as itself in the chat: HTML-escaped, Markdown syntax turned into
    character references (a streamed ``![x](http://…)`` stays those characters) and
    whitespace runs folded, so no blank line ever ends the surrounding HTML block.

    >>> plain("![x](http://e.test/a.png) <img src=x>")
    '&#33;&#91;x&#93;&#40;http://e.test/a.png&#41; &#60;img src=x&#62;'
    """
    return re.sub(r"\s+", " ", str(text)).translate(_PLAIN)


def format_date(value: object) -> str:
    """``2016-02-10T…`` → ``2016-02-10``; empty when unknown."""
    return str(value or "")[:10]


def byline(publisher: object, published_at: object, updated_at: object = "") -> str:
    """'Publisher · 2016-02-10 · updated 2016-02-11' (escaped), skipping what is unknown."""
    updated = format_date(updated_at)
    parts = [p for p in (str(publisher or ""), format_date(published_at)) if p]
    if updated:
        parts.append(f"updated {updated}")
    return esc(" · ".join(parts))


def web_link(url: object, label: object = "") -> str:
    """An http(s) URL as a link that opens in a new tab (escaped); "" for anything else."""
    text = str(url or "")
    if not re.match(r"(?i)https?://", text):
        return ""
    return (
        f'<a class="nd-url" href="{esc(text)}" target="_blank" rel="noopener noreferrer">'
        f"{esc(label or text)}</a>"
    )


def also_in_html(also_in: Sequence[Mapping[str, str]]) -> str:
    """'Also in: Publisher, Publisher': the other copies of a wire story, linked."""
    if not also_in:
        return ""
    links = [
        web_link(c.get("url"), c.get("publisher") or c.get("url")) or esc(c.get("publisher", ""))
        for c in also_in
    ]
    return f'<div class="nd-also-in">Also in: {", ".join(x for x in links if x)}</div>'


def source_label(source: object) -> str:
    """A URL as is; a file path as its base name (server paths are not shown)."""
    text = str(source or "")
    if re.match(r"(?i)https?://", text):
        return text
    return PurePath(text.replace("\\", "/")).name if text else ""


def badge(turn: int, n: int, title: str = "", extra_class: str = "") -> str:
    """A clickable citation badge ``[n]`` for answer ``turn`` (ui/article.js catches clicks).

    Its ``href`` points at the citation's card in the sources panel, so it still leads
    somewhere useful without JavaScript.
    """
    cls = "nd-cite" + (f" {extra_class}" if extra_class else "")
    tip = f' title="{esc(title)}"' if title else ""
    return (
        f'<a class="{cls}" href="#nd-src-{turn}-{n}" data-turn="{turn}" data-n="{n}"{tip}>{n}</a>'
    )


def question_html(question: str) -> str:
    """The user's question as plain text inside a block (so no Markdown or HTML applies)."""
    text = re.sub(r"\s+", " ", question).strip()
    return f'<div class="nd-q">{esc(text)}</div>'


def streaming_html(text: str) -> str:
    """The model's draft while it streams: plain text in the draft style, with a caret.

    A draft is not the answer: it is shown as "checking against the sources" and replaced by
    the verified answer, which keeps only the sentences the passages support.
    """
    label = "Draft — checking it against the sources…" if text else "Reading the sources…"
    return (
        f'<div class="nd-answer nd-streaming nd-draft"><div class="nd-draft-label">{label}</div>'
        f'<span class="nd-draft-text">{plain(text)}</span><span class="nd-caret"></span></div>'
    )


def error_html(message: str) -> str:
    """A one-line error in the chat (bad question, empty store, failing generator)."""
    return f'<div class="nd-error" role="alert">⚠ {esc(message)}</div>'


def answer_html(answer: Answer, turn: int) -> str:
    """The final answer: escaped text with its ``[n]`` markers turned into badges.

    A refusal is rendered in its own style, without badges.
    """
    if answer.refused:
        return (
            '<div class="nd-answer nd-refused"><span class="nd-refused-icon">∅</span> '
            f"{plain(answer.answer)}</div>{_meta_line(answer)}"
        )
    titles = {c.n: c.title for c in answer.citations}
    out: list[str] = []
    pos = 0
    for m in MARKER_RE.finditer(answer.answer):
        out.append(plain(answer.answer[pos : m.start()]))
        numbers = [int(x) for x in re.split(r"\s*,\s*", m.group(1))]
        out.append(
            '<span class="nd-badges">'
            + "".join(badge(turn, n, titles.get(n, "")) for n in numbers)
            + "</span>"
        )
        pos = m.end()
    out.append(plain(answer.answer[pos:]))
    return f'<div class="nd-answer nd-final">{"".join(out)}</div>{_meta_line(answer)}'


#: How each outcome reads under the answer.
OUTCOME_LABELS = {
    "model": "answered by the model, checked against the sources",
    "model+fallback": "quoted from the sources (the model's draft was not supported)",
    "model+turned": "the model said yes; the cited sources say no",
    "extractive": "quoted from the sources",
    "refused:retrieval": "no passage is about this",
    "refused:model": "the model found no answer in the passages",
    "refused:verifier": "no supported answer in the passages",
}


def _meta_line(answer: Answer) -> str:
    total = answer.timings_ms.get("total")
    took = f" · {total / 1000:.1f} s" if total else ""
    label = OUTCOME_LABELS.get(answer.outcome, answer.outcome)
    kind = re.sub(r"[^a-z]+", "-", answer.outcome)  # "model+fallback" → "model-fallback"
    return (
        f'<div class="nd-answer-meta nd-outcome-{kind}">'
        f"{esc(answer.answerer)} · {esc(label)}{took}</div>"
    )


def highlight(text: str, start: int, end: int, mark_id: str = "") -> str:
    """Escape ``text`` and wrap exactly ``text[start:end]`` in ``<mark>``.

    Offsets outside the text are clipped; an empty span gives no mark.
    """
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if end <= start:
        return esc(text)
    ident = f' id="{esc(mark_id)}"' if mark_id else ""
    return (
        f'{esc(text[:start])}<mark class="nd-hl"{ident}>{esc(text[start:end])}</mark>'
        f"{esc(text[end:])}"
    )


def find_span(text: str, quote: str, start: int | None = None) -> tuple[int, int] | None:
    """Where ``quote`` is in ``text``: at ``start`` when it is really there, else its first
    occurrence (e.g. the article was re-ingested and moved), else None."""
    if not quote:
        return None
    if start is not None and start >= 0 and text[start : start + len(quote)] == quote:
        return start, start + len(quote)
    found = text.find(quote)
    return (found, found + len(quote)) if found >= 0 else None


def quote_in_passage(answer: Answer, citation: Citation) -> tuple[int, int] | None:
    """Offsets of a citation's quote inside its passage text.

    ``citation.start`` is an offset into the article; the passage's own article offset comes
    from ``answer.retrieved`` (same ``chunk_id``).
    """
    passage = next((p for p in answer.retrieved if p.chunk_id == citation.chunk_id), None)
    relative = citation.start - passage.start if passage is not None else None
    return find_span(citation.text, citation.quote, relative)


def sources_html(answer: Answer | None, turn: int, active: int = 0) -> str:
    """The sources panel for one answer: a card per citation, quote highlighted in passage.

    Citation ``active`` (the one whose article is open) gets the ``nd-active`` class.
    """
    if answer is None:
        return SOURCES_PLACEHOLDER
    head = f'<div class="nd-src-head">Sources for: <q>{esc(answer.question)}</q></div>'
    if answer.refused or not answer.citations:
        return head + (
            '<div class="nd-empty">No passage supports an answer: the articles don\'t say.</div>'
        )
    cards = []
    for c in answer.citations:
        span = quote_in_passage(answer, c)
        passage = highlight(c.text, *span) if span else esc(c.text)
        meta = byline(c.publisher, c.published_at, c.updated_at)
        cards.append(
            f'<div class="nd-src{" nd-active" if c.n == active else ""}" '
            f'id="nd-src-{turn}-{c.n}">'
            f'<div class="nd-src-title">{badge(turn, c.n, c.title)} {esc(c.title)}</div>'
            + (f'<div class="nd-src-meta">{meta}</div>' if meta else "")
            + f'<div class="nd-passage">{passage}</div>'
            + also_in_html(c.also_in)
            + f'<div class="nd-src-open">{badge(turn, c.n, c.title, "nd-open")}'
            f" read the article</div></div>"
        )
    return head + "".join(cards)


def found_html(sources: Sources) -> str:
    """The sources panel as soon as retrieval is done: every retrieved passage, its sentence
    that best matches the question highlighted, marked "found so far" until the answer says
    which of them it cites."""
    head = (
        '<div class="nd-src-head nd-found-head">Found so far for: '
        f'<q>{esc(sources.question)}</q> <span class="nd-pending">answer coming…</span></div>'
    )
    if not sources.passages:
        return head + '<div class="nd-empty">No passage found.</div>'
    cards = []
    for i, p in enumerate(sources.passages):
        start, end = sources.highlights[i] if i < len(sources.highlights) else (0, 0)
        meta = byline(p.publisher, p.published_at)
        cards.append(
            f'<div class="nd-src nd-found" id="nd-found-{p.rank}">'
            f'<div class="nd-src-title"><span class="nd-rank">{p.rank}</span> {esc(p.title)}</div>'
            + (f'<div class="nd-src-meta">{meta}</div>' if meta else "")
            + f'<div class="nd-passage">{highlight(p.text, start, end)}</div></div>'
        )
    return head + "".join(cards)


def article_html(
    text: str, meta: Mapping[str, Any], quote: str = "", start: int | None = None, n: int = 0
) -> str:
    """The full cleaned article with the cited span highlighted (``id="nd-hl"`` to scroll to).

    ``quote``/``start`` come from the citation (``start`` is an offset into ``text``).
    """
    title = str(meta.get("title") or "Untitled")
    source = source_label(meta.get("source"))
    span = find_span(text, quote, start)
    body = highlight(text, *span, mark_id="nd-hl") if span else esc(text)
    note = (
        ""
        if span or not quote
        else (
            '<div class="nd-error">The quoted passage is no longer in this article '
            "(it was re-ingested).</div>"
        )
    )
    label = f'<span class="nd-cite nd-static">{n}</span> ' if n else ""
    by = byline(meta.get("publisher"), meta.get("published_at"), meta.get("updated_at"))
    if int(meta.get("version") or 1) > 1:
        by += f" · version {int(meta.get('version') or 1)}"
    link = web_link(meta.get("url") or meta.get("source"))
    return (
        f'<article class="nd-article"><div class="nd-article-head">'
        f'<h3 class="nd-article-title">{label}{esc(title)}</h3>'
        + (f'<div class="nd-src-meta">{by}</div>' if by else "")
        + (f'<div class="nd-article-source">{link or esc(source)}</div>' if source else "")
        + "</div>"
        + note
        + f'<div class="nd-article-body">{body}</div></article>'
    )


def missing_article_html(title: str) -> str:
    """Shown when a cited article has been deleted since the answer."""
    return f'<div class="nd-error">“{esc(title)}” is no longer in the library.</div>'


def library_html(docs: Sequence[Mapping[str, Any]], query: str = "") -> str:
    """The library table (title, publisher, date, chunks), filtered by a title search."""
    rows = filter_docs(docs, query)
    if not rows:
        what = "No article matches that search." if query.strip() else "The library is empty."
        return f'<div class="nd-empty">{what}</div>'
    body = "".join(
        "<tr>"
        f'<td class="nd-lib-title">{esc(d.get("title", ""))}'
        + (f'<div class="nd-lib-url">{web_link(d.get("url"))}</div>' if d.get("url") else "")
        + "</td>"
        f"<td>{esc(d.get('publisher', '') or '—')}</td>"
        f"<td>{esc(format_date(d.get('published_at')) or '—')}"
        + (
            f'<div class="nd-lib-updated">updated {esc(format_date(d.get("updated_at")))}</div>'
            if d.get("updated_at")
            else ""
        )
        + "</td>"
        f'<td class="nd-num">{esc(d.get("chunks", ""))}</td>'
        "</tr>"
        for d in rows
    )
    return (
        f'<div class="nd-lib-count">{len(rows)} of {len(docs)} articles</div>'
        '<div class="nd-lib-wrap"><table class="nd-lib"><thead><tr><th>Title</th>'
        "<th>Publisher</th><th>Date</th><th>Chunks</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def filter_docs(docs: Iterable[Mapping[str, Any]], query: str = "") -> list[Mapping[str, Any]]:
    """Articles whose title contains every word of ``query`` (case-insensitive), by title."""
    words = query.lower().split()
    rows = [d for d in docs if all(w in str(d.get("title", "")).lower() for w in words)]
    return sorted(rows, key=lambda d: str(d.get("title", "")).lower())


def doc_choice(doc: Mapping[str, Any]) -> tuple[str, str]:
    """(label, doc_id) for the delete drop-down (Gradio renders labels as text)."""
    extra = ", ".join(
        x for x in (str(doc.get("publisher") or ""), format_date(doc.get("published_at"))) if x
    )
    title = str(doc.get("title") or doc["doc_id"])
    return (f"{title} ({extra})" if extra else title), str(doc["doc_id"])


def results_html(results: Sequence[Mapping[str, str]]) -> str:
    """One line per ingested input: status, file name, then the title or the reason."""
    if not results:
        return ""
    lines = []
    for r in results:
        status = r.get("status", "")
        detail = r.get("detail", "") if status == "skipped" else (r.get("title") or r["detail"])
        lines.append(
            f'<li class="nd-res nd-res-{esc(status)}"><span class="nd-status">{esc(status)}</span> '
            f"{esc(r.get('file', ''))}" + (f": {esc(detail)}" if detail else "") + "</li>"
        )
    return f'<ul class="nd-results">{"".join(lines)}</ul>'


def example_questions(docs: Iterable[Mapping[str, Any]], limit: int = 4) -> list[str]:
    """Example questions for the loaded articles: curated ones for the bundled samples."""
    names = {PurePath(str(d.get("file") or d.get("source") or "")).name for d in docs}
    return [q for name, q in SAMPLE_QUESTIONS.items() if name in names][:limit]
