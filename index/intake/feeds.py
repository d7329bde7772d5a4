"""The feed registry and the fetched articles, in the shared database (``index/db.py``).

Two tables (migration ``0002_feeds``):
  * ``feeds``: one row per followed feed or sitemap: its URL, refresh interval, validators
    (ETag / Last-Modified) for conditional GETs, last and next refresh, last status (one feed
    is refreshed by one worker at a time across processes and replicas: :meth:`Registry.lease`,
    a lease of :mod:`index.leases`; migration ``0005`` dropped the table's own lease column);
  * ``web_articles``: one row per article fetched from the web, keyed by its canonical URL:
    the link it was listed under, its current ``doc_id`` and ``version``, dates, validators,
    the fingerprint of its feed entry, its near-duplicate ``story`` and MinHash signature.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text, func, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from index import leases
from index.db import Base, Database, open_database
from index.leases import default_holder
from index.settings import Settings


def utcnow() -> datetime:
    """Now, UTC, without tzinfo (how the tables store times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso(value: datetime | None) -> str:
    """A stored time as ISO 8601 UTC (``2026-11-30T10:00:00Z``), "" when unset."""
    return value.replace(microsecond=0).isoformat() + "Z" if value else ""


def feed_lease(feed_id: int) -> str:
    """The name of a feed's refresh lease in :mod:`index.leases`."""
    return f"feed:{feed_id}"


class FeedRow(Base):
    """A followed feed or sitemap."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    kind: Mapped[str] = mapped_column(String(20), default="")
    every_minutes: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    state: Mapped[str] = mapped_column(Text, default="{}")
    added_at: Mapped[datetime] = mapped_column(sa.DateTime)
    last_refresh_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    next_refresh_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    last_status: Mapped[str] = mapped_column(String(20), default="")
    last_detail: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(default=0)


class WebArticleRow(Base):
    """An article fetched from the web, by canonical URL."""

    __tablename__ = "web_articles"

    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    link: Mapped[str] = mapped_column(String(2000), index=True)
    feed_id: Mapped[int | None] = mapped_column(
        ForeignKey("feeds.id", ondelete="SET NULL"), nullable=True, index=True
    )
    doc_id: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(1000), default="")
    publisher: Mapped[str] = mapped_column(String(300), default="")
    published_at: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[str] = mapped_column(String(40), default="")
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    entry_fp: Mapped[str] = mapped_column(String(40), default="")
    story: Mapped[str] = mapped_column(String(64), default="", index=True)
    minhash: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    first_seen: Mapped[datetime] = mapped_column(sa.DateTime)
    last_fetched: Mapped[datetime] = mapped_column(sa.DateTime)


@dataclass
class FeedInfo:
    """A feed as ``feeds list --json`` shows it."""

    url: str
    title: str
    kind: str
    every_minutes: float
    last_refresh: str
    last_status: str
    last_detail: str
    articles: int
    next_refresh: str

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


class Registry:
    """Feeds and fetched articles in the shared database."""

    def __init__(self, settings: Settings, database: Database | None = None) -> None:
        self.settings = settings
        self.db = database or open_database(settings)

    # -- feeds --------------------------------------------------------------------------------

    def interval(self, row: FeedRow) -> float:
        """Minutes between two refreshes of a feed."""
        return float(row.every_minutes or self.settings.feed_refresh_minutes or 30.0)

    def add(self, url: str, every: float | None = None) -> tuple[FeedRow, bool]:
        """Follow a feed (``every`` minutes, default the setting); returns (row, created)."""
        with self.db.session() as s:
            row = s.scalar(select(FeedRow).where(FeedRow.url == url))
            if row is not None:
                if every is not None:
                    row.every_minutes = every
                return row, False
            row = FeedRow(
                url=url,
                every_minutes=every,
                added_at=utcnow(),
                next_refresh_at=utcnow(),
                state="{}",
                title="",
                kind="",
                last_status="",
                last_detail="",
                failures=0,
            )
            s.add(row)
            s.flush()
            return row, True

    def get(self, url: str) -> FeedRow | None:
        """The feed with this URL, or None."""
        with self.db.session() as s:
            return s.scalar(select(FeedRow).where(FeedRow.url == url))

    def remove(self, url: str) -> list[str]:
        """Stop following a feed; returns the canonical URLs of the articles it brought."""
        with self.db.session() as s:
            row = s.scalar(select(FeedRow).where(FeedRow.url == url))
            if row is None:
                raise KeyError(url)
            urls = list(s.scalars(select(WebArticleRow.url).where(WebArticleRow.feed_id == row.id)))
            s.execute(
                update(WebArticleRow).where(WebArticleRow.feed_id == row.id).values(feed_id=None)
            )
            s.delete(row)
            return urls

    def feeds(self) -> list[FeedRow]:
        """Every followed feed, oldest first."""
        with self.db.session() as s:
            return list(s.scalars(select(FeedRow).order_by(FeedRow.id)))

    def due(self, now: datetime | None = None) -> list[FeedRow]:
        """Feeds whose next refresh time has come."""
        now = now or utcnow()
        with self.db.session() as s:
            return list(
                s.scalars(
                    select(FeedRow)
                    .where(or_(FeedRow.next_refresh_at.is_(None), FeedRow.next_refresh_at <= now))
                    .order_by(FeedRow.next_refresh_at)
                )
            )

    def next_due(self) -> datetime | None:
        """When the next feed is due (None with no feeds)."""
        with self.db.session() as s:
            return s.scalar(select(func.min(FeedRow.next_refresh_at)))

    def lease(
        self, feed_id: int, seconds: float, renew_every_s: float = 0
    ) -> AbstractContextManager[bool]:
        """``with registry.lease(feed.id, s) as held:`` — refresh the feed only ``if held``.

        A lease of :mod:`index.leases` named :func:`feed_lease`, with a holder of its own per
        call (so two threads of one process exclude each other too); released on exit,
        renewed every ``renew_every_s`` while held (when > 0), and expiring ``seconds`` after
        its holder died.
        """
        return leases.lease(
            self.db, feed_lease(feed_id), seconds, default_holder(), renew_every_s=renew_every_s
        )

    def finish(
        self,
        feed_id: int,
        status: str,
        detail: str,
        *,
        title: str | None = None,
        kind: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        state: dict[str, Any] | None = None,
        validators: bool = False,
    ) -> None:
        """Record a refresh's outcome and schedule the next one."""
        now = utcnow()
        with self.db.session() as s:
            row = s.get(FeedRow, feed_id)
            if row is None:  # removed while it was being refreshed
                return
            row.last_refresh_at = now
            row.last_status = status
            row.last_detail = detail[:2000]
            row.failures = row.failures + 1 if status == "failed" else 0
            minutes = self.interval(row)
            if status == "failed":  # back off: 1, 2, 4… intervals, at most a day
                minutes = min(minutes * 2 ** min(row.failures - 1, 6), 24 * 60.0)
            row.next_refresh_at = now + timedelta(minutes=minutes)
            if title:
                row.title = title[:500]
            if kind:
                row.kind = kind
            if validators:
                row.etag, row.last_modified = etag, last_modified
            if state is not None:
                row.state = json.dumps(state)

    def info(self) -> list[FeedInfo]:
        """Every feed with its article count, for ``feeds list`` and the Library tab."""
        with self.db.session() as s:
            counts = dict(
                s.execute(
                    select(WebArticleRow.feed_id, func.count()).group_by(WebArticleRow.feed_id)
                ).all()
            )
            rows = list(s.scalars(select(FeedRow).order_by(FeedRow.id)))
        return [
            FeedInfo(
                url=r.url,
                title=r.title,
                kind=r.kind,
                every_minutes=self.interval(r),
                last_refresh=iso(r.last_refresh_at),
                last_status=r.last_status,
                last_detail=r.last_detail,
                articles=int(counts.get(r.id, 0)),
                next_refresh=iso(r.next_refresh_at),
            )
            for r in rows
        ]

    # -- articles -----------------------------------------------------------------------------

    def article(self, url: str) -> WebArticleRow | None:
        """The article with this canonical URL."""
        with self.db.session() as s:
            return s.get(WebArticleRow, url)

    def by_link(self, link: str) -> WebArticleRow | None:
        """The article last fetched from this link (a feed's or sitemap's URL for it)."""
        with self.db.session() as s:
            return s.scalars(
                select(WebArticleRow)
                .where(or_(WebArticleRow.link == link, WebArticleRow.url == link))
                .limit(1)
            ).first()

    def links(self, feed_id: int | None = None) -> dict[str, WebArticleRow]:
        """Articles by the link they were listed under (one feed's, or all)."""
        with self.db.session() as s:
            query = select(WebArticleRow)
            if feed_id is not None:
                query = query.where(WebArticleRow.feed_id == feed_id)
            return {r.link: r for r in s.scalars(query)}

    def save_article(self, row: WebArticleRow) -> None:
        """Insert or update an article row."""
        with self.db.session() as s:
            s.merge(row)

    def touch(self, url: str, **values: Any) -> None:
        """Update some columns of an article row."""
        with self.db.session() as s:
            s.execute(update(WebArticleRow).where(WebArticleRow.url == url).values(**values))

    def forget(self, urls: list[str]) -> None:
        """Delete article rows."""
        if urls:
            with self.db.session() as s:
                s.execute(sa.delete(WebArticleRow).where(WebArticleRow.url.in_(urls)))

    def signatures(self) -> list[tuple[str, str, bytes]]:
        """(url, story, minhash) of every article with a signature."""
        with self.db.session() as s:
            return [
                (u, st, mh)
                for u, st, mh in s.execute(
                    select(WebArticleRow.url, WebArticleRow.story, WebArticleRow.minhash).where(
                        WebArticleRow.minhash.is_not(None)
                    )
                )
                if mh is not None
            ]

    def summary(self) -> dict[str, Any]:
        """Counts for ``stats --json``: feeds, failing feeds, web articles, next refresh."""
        with self.db.session() as s:
            feeds = s.scalar(select(func.count()).select_from(FeedRow)) or 0
            failing = (
                s.scalar(
                    select(func.count()).select_from(FeedRow).where(FeedRow.last_status == "failed")
                )
                or 0
            )
            articles = s.scalar(select(func.count()).select_from(WebArticleRow)) or 0
            nxt = s.scalar(select(func.min(FeedRow.next_refresh_at)))
        return {
            "count": int(feeds),
            "failing": int(failing),
            "web_articles": int(articles),
            "next_refresh": iso(nxt),
        }


def feeds_summary(settings: Settings) -> dict[str, Any]:
    """``stats --json``'s ``feeds``: counts without creating a database that is not there."""
    from index.db import database_url

    url = database_url(settings)
    if url.startswith("sqlite:///") and not (settings.data_dir / "newsdesk.sqlite3").exists():
        return {"count": 0, "failing": 0, "web_articles": 0, "next_refresh": ""}
    return Registry(settings).summary()
