"""The Feeds section of the Library tab, and the feed endpoints of the API.

Add a feed or sitemap (it is fetched at once), fetch a single URL once, refresh now, remove;
the table shows every feed's last refresh, status, article count and next refresh (reloaded
every 10 s, so the background refresh of ``newsdesk serve`` shows up). Everything goes
through :class:`index.intake.service.Intake`, with the app's store and embedder.

API endpoints (``gradio_client``): ``/feeds_list``, ``/feeds_add`` (``url``, ``every``),
``/feeds_remove`` (``url``), ``/feeds_refresh`` (``url``, "" for all), ``/ingest_url``
(``url``); each returns JSON. The SSRF rules of ``index/intake/ssrf.py`` apply to all of them.

Example:
    >>> from index.intake.feeds import FeedInfo
    >>> f = FeedInfo("https://x.org/rss", "<X>", "feed", 30, "", "failed", "404", 0, "")
    >>> "&lt;X&gt;" in feeds_table_html([f]) and "nd-feed-failed" in feeds_table_html([f])
    True
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from index.settings import Settings
from ui.views import error_html, esc, web_link

log = logging.getLogger(__name__)

WRITE = "write"  # the app's concurrency group of everything that changes the library


def feeds_table_html(feeds: Sequence[Any]) -> str:
    """The feeds and their status (escaped)."""
    if not feeds:
        return (
            '<div class="nd-empty">No feeds yet: add an RSS/Atom feed or a sitemap URL; '
            "it is refreshed in the background.</div>"
        )
    rows = []
    for f in feeds:
        status = f.last_status or "new"
        cls = " nd-feed-failed" if status == "failed" else ""
        rows.append(
            "<tr>"
            f'<td class="nd-feed-url">{esc(f.title or "—")}<br>{web_link(f.url) or esc(f.url)}</td>'
            f'<td class="nd-feed-status{cls}">{esc(status)}'
            + (f"<br><small>{esc(f.last_detail)}</small>" if f.last_detail else "")
            + "</td>"
            f"<td>{esc(f.last_refresh[:16].replace('T', ' ') or 'never')}</td>"
            f'<td class="nd-num">{f.articles}</td>'
            f"<td>{esc(f.next_refresh[:16].replace('T', ' ') or 'now')}"
            f"<br><small>every {f.every_minutes:g} min</small></td>"
            "</tr>"
        )
    return (
        '<table class="nd-feeds"><thead><tr><th>Feed</th><th>Status</th><th>Last refresh (UTC)'
        "</th><th>Articles</th><th>Next</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def result_html(result: Any) -> str:
    """What one add / refresh / fetch did: the source's line, then its failed items."""
    failed = [i for i in result.items if i.status == "failed"]
    head = f'<li class="nd-res nd-res-{esc(result.status)}"><span class="nd-status">' + (
        f"{esc(result.status)}</span> {esc(result.url)}"
        + (f": {esc(result.detail)}" if result.detail else "")
        + "</li>"
    )
    items = "".join(
        f'<li class="nd-res nd-res-failed"><span class="nd-status">failed</span> '
        f"{esc(i.url)}: {esc(i.detail)}</li>"
        for i in failed[:20]
    )
    return f'<ul class="nd-results">{head}{items}</ul>'


class FeedsSection:
    """The Feeds components (built in the current Gradio layout context) and their events."""

    def __init__(self, assistant: Any, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        with gr.Accordion("Feeds and web pages", open=True, elem_id="nd-feeds-box"):
            self.url = gr.Textbox(
                label="Feed, sitemap or article URL",
                placeholder="https://example.com/rss.xml",
                elem_id="nd-feed-url",
                max_lines=1,
            )
            self.every = gr.Number(
                value=settings.feed_refresh_minutes or 30,
                label="Refresh every (minutes)",
                minimum=0.1,
                elem_id="nd-feed-every",
            )
            with gr.Row():
                self.add = gr.Button("Add feed", variant="primary", elem_id="nd-feed-add")
                self.once = gr.Button("Fetch once", elem_id="nd-feed-once")
                self.refresh_btn = gr.Button("Refresh now", elem_id="nd-feed-refresh")
                self.remove = gr.Button("Remove feed", variant="stop", elem_id="nd-feed-remove")
            self.message = gr.HTML(elem_id="nd-feed-message")
            # A value, not a callable: a callable value would become a public API endpoint.
            self.table = gr.HTML(self.table_html(), elem_id="nd-feeds")
            self.timer = gr.Timer(10)

    # -- jobs -------------------------------------------------------------------------------

    def _intake(self) -> Any:
        return self.assistant.library.intake()

    def _run(self, job: Callable[[Any], Any]) -> Any:
        """Run a job on a fresh Intake; user-facing failures become IntakeError-like text."""
        from index.db import DatabaseError
        from index.intake.service import IntakeError
        from index.store import StoreError, store_errors

        try:
            with store_errors(self.settings), self._intake() as intake:
                return job(intake)
        except (IntakeError, StoreError, DatabaseError) as exc:
            raise UserError(str(exc)) from None

    def table_html(self) -> str:
        """The feeds table now."""
        from index.intake.feeds import Registry

        try:
            return feeds_table_html(Registry(self.settings).info())
        except Exception as exc:  # a database problem: one line instead of the table
            return error_html(str(exc))

    # -- UI handlers ------------------------------------------------------------------------

    def on_add(self, url: str, every: float | None) -> tuple[str, str]:
        if not str(url or "").strip():
            return error_html("type a feed or sitemap URL first"), gr.skip()
        try:
            result = self._run(lambda i: i.add_feed(url, every=float(every) if every else None))
        except UserError as exc:
            return error_html(str(exc)), gr.skip()
        return result_html(result), self.table_html()

    def on_once(self, url: str) -> tuple[str, str]:
        if not str(url or "").strip():
            return error_html("type a URL first"), gr.skip()
        try:
            result = self._run(lambda i: i.ingest_url(url))
        except UserError as exc:
            return error_html(str(exc)), gr.skip()
        return result_html(result), self.table_html()

    def on_refresh(self, url: str) -> tuple[str, str]:
        target = [url] if str(url or "").strip() else []
        try:
            results = self._run(lambda i: i.refresh(target))
        except UserError as exc:
            return error_html(str(exc)), self.table_html()
        if not results:
            return '<div class="nd-empty">No feeds to refresh.</div>', self.table_html()
        return "".join(result_html(r) for r in results), self.table_html()

    def on_remove(self, url: str) -> tuple[str, str]:
        if not str(url or "").strip():
            return error_html("type the URL of the feed to remove"), gr.skip()
        try:
            n = self._run(lambda i: i.remove_feed(url))
        except UserError as exc:
            return error_html(str(exc)), gr.skip()
        note = f"Stopped following {esc(url)} ({n} articles stay in the library)."
        return f'<div class="nd-empty">{note}</div>', self.table_html()

    # -- API --------------------------------------------------------------------------------

    def api_list(self) -> list[dict[str, Any]]:
        """Every feed: url, title, kind, every_minutes, last refresh and status, articles."""
        from index.intake.feeds import Registry

        return [f.as_dict() for f in Registry(self.settings).info()]

    def api_add(self, url: str, every: float | None = None) -> dict[str, Any]:
        """Follow a feed or sitemap and fetch it now."""
        return dict(self._api(lambda i: i.add_feed(url, every=every or None)).as_dict())

    def api_remove(self, url: str) -> dict[str, Any]:
        """Stop following a feed (its articles stay)."""
        return {"url": url, "articles": self._api(lambda i: i.remove_feed(url))}

    def api_refresh(self, url: str = "") -> list[dict[str, Any]]:
        """Refresh one feed, or all of them with an empty ``url``."""
        target = [url] if url else []
        return [r.as_dict() for r in self._api(lambda i: i.refresh(target))]

    def api_ingest_url(self, url: str) -> dict[str, Any]:
        """Ingest an article page, a feed or a sitemap once (not followed)."""
        return dict(self._api(lambda i: i.ingest_url(url)).as_dict())

    def _api(self, job: Callable[[Any], Any]) -> Any:
        try:
            return self._run(job)
        except UserError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    # -- wiring -----------------------------------------------------------------------------

    def wire(self, then: Callable[..., Any], inputs: list[Any], outputs: list[Any]) -> None:
        """Connect the buttons (each followed by ``then``: the library view) and the API."""
        io = [self.message, self.table]
        for button, handler, args in (
            (self.add, self.on_add, [self.url, self.every]),
            (self.once, self.on_once, [self.url]),
            (self.refresh_btn, self.on_refresh, [self.url]),
            (self.remove, self.on_remove, [self.url]),
        ):
            button.click(handler, args, io, concurrency_id=WRITE, api_visibility="private").then(
                then, inputs, outputs, api_visibility="private"
            )
        self.timer.tick(
            self.table_html, None, self.table, show_progress="hidden", api_visibility="private"
        )
        gr.api(self.api_list, api_name="feeds_list")
        gr.api(self.api_add, api_name="feeds_add", concurrency_id=WRITE)
        gr.api(self.api_remove, api_name="feeds_remove", concurrency_id=WRITE)
        gr.api(self.api_refresh, api_name="feeds_refresh", concurrency_id=WRITE)
        gr.api(self.api_ingest_url, api_name="ingest_url", concurrency_id=WRITE)


class UserError(RuntimeError):
    """A failure to show the user in one line."""
