"""Plain-terminal rendering of an Answer (used by ``newsdesk ask`` and ``newsdesk chat``)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from qa.answer import Answer, Sources


def print_sources(console: Console, sources: Sources) -> None:
    """The retrieved passages as soon as they are found: title, source and the sentence that
    best matches the question (before the answer, which says which of them it cites)."""
    console.print(f"[dim]found {len(sources.passages)} passage(s):[/]", highlight=False)
    for i, p in enumerate(sources.passages):
        start, end = sources.highlights[i] if i < len(sources.highlights) else (0, 0)
        meta = ", ".join(x for x in (p.publisher, p.published_at[:10]) if x)
        extra = f" [dim]({escape(meta)})[/]" if meta else ""
        console.print(f"  [dim]{p.rank}.[/] {escape(p.title)}{extra}", highlight=False)
        if end > start:
            console.print(f"      [dim]“{escape(p.text[start:end].strip())}”[/]", highlight=False)


def print_answer(console: Console, answer: Answer, streamed: bool = False) -> None:
    """The final answer with [n] markers, then each citation with its quote and source."""
    if streamed:
        console.rule(style="dim")
    style = "yellow" if answer.refused else "bold"
    console.print(f"[{style}]{escape(answer.answer)}[/]", highlight=False)
    for c in answer.citations:
        updated = f"updated {c.updated_at}" if c.updated_at else ""
        meta = ", ".join(x for x in (c.publisher, c.published_at, updated) if x)
        console.print(
            f"  [cyan][{c.n}][/] {escape(c.title)}"
            + (f" [dim]({escape(meta)})[/]" if meta else ""),
            highlight=False,
        )
        console.print(f"      [green]“{escape(c.quote)}”[/]", highlight=False)
        console.print(f"      [dim]{escape(c.source)}[/]", highlight=False)
        if c.also_in:  # other copies of the same wire story
            where = ", ".join(
                f"{x.get('publisher') or '?'} ({x.get('url', '')})" for x in c.also_in
            )
            console.print(f"      [dim]also in: {escape(where)}[/]", highlight=False)
    t = answer.timings_ms
    console.print(
        f"[dim]{answer.answerer} · {answer.outcome} · retrieve {t.get('retrieve', 0):.0f} ms · "
        f"first token {t.get('first_token', 0):.0f} ms · total {t.get('total', 0):.0f} ms[/]",
        highlight=False,
    )
