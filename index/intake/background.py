"""The background refresh of ``newsdesk serve``: due feeds are refreshed in a daemon thread.

It wakes every minute (or every ``NEWSDESK_FEED_REFRESH_MINUTES`` when that is shorter),
refreshes the feeds whose time has come, and tells the app (``on_change``) so new articles are
answerable at once. It uses the app's store and embedder with the embedder's own thread
count (one by default), and questions never wait for it: it holds no lock they need.
Leases in the database keep two servers (or a server and a CLI run) from refreshing one feed
at the same time. ``NEWSDESK_FEED_REFRESH_MINUTES=0`` turns it off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from index.settings import Settings

log = logging.getLogger(__name__)

START_DELAY_S = 5.0  # let the server finish starting first


class FeedRefresher:
    """A daemon thread refreshing due feeds until stopped."""

    def __init__(
        self,
        settings: Settings,
        store: Any = None,
        embedder: Any = None,
        on_change: Callable[[], None] | None = None,
        on_result: Callable[[Any], None] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.on_change = on_change
        self.on_result = on_result
        minutes = settings.feed_refresh_minutes
        self.poll_s = max(1.0, min(60.0, minutes * 60.0)) if minutes > 0 else 60.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="feed-refresh", daemon=True)
        self.runs = 0

    def start(self) -> FeedRefresher:
        """Start the thread."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop (after the feed it is refreshing) and wait a little."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> list[Any]:
        """Refresh the due feeds now; returns one result per feed."""
        from index.intake.service import Intake

        with Intake(
            self.settings, store=self.store, embedder=self.embedder, on_change=self.on_change
        ) as intake:
            results = intake.refresh(due_only=True, on_source=self.on_result)
        self.runs += 1
        return results

    def _loop(self) -> None:
        if self._stop.wait(min(START_DELAY_S, self.poll_s)):
            return
        while not self._stop.is_set():
            try:
                for result in self.run_once():
                    log.info("feed refresh: %s", result.line())
            except Exception:  # keep serving; the next round tries again
                log.exception("background feed refresh failed")
            self._stop.wait(self.poll_s)


def start_refresher(
    settings: Settings, assistant: Any, console: Any = None
) -> FeedRefresher | None:
    """Start the background refresh for a serving app (None when turned off)."""
    if settings.feed_refresh_minutes <= 0:
        return None

    def changed() -> None:
        assistant.retriever.refresh()

    def report(result: Any) -> None:
        if console is not None and result.status != "unchanged":
            console.print(f"feeds: {result.line()}", highlight=False, soft_wrap=True)

    return FeedRefresher(
        settings,
        store=assistant.store,
        embedder=assistant.retriever.embedder,
        on_change=changed,
        on_result=report,
    ).start()
