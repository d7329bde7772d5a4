"""Leases in the shared database: one holder at a time for a named job, with expiry.

A replica that wants to do a job only one replica should do at a time (refresh the feed
``feed:<id>``) takes the lease first; the others skip the job. A holder that dies stops
renewing and its lease expires after ``ttl_s``. Every step is one conditional statement
(``UPDATE ... WHERE holder = me OR expires_at < now`` after an ``INSERT`` that fails on the
primary key when the row exists), so it is atomic on SQLite and PostgreSQL alike.

Example:
    >>> import tempfile
    >>> from index.db import open_database
    >>> from index.settings import Settings
    >>> db = open_database(Settings(data_dir=tempfile.mkdtemp()))
    >>> with lease(db, "feed:1", ttl_s=60) as held:
    ...     held
    True
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult, Float, String, delete, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from index.db import Base, Database


class Lease(Base):
    """Who holds the lease ``name``, until when (seconds since the epoch)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(400), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[float] = mapped_column(Float)


def default_holder() -> str:
    """A holder id unique to this process: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


_HOLDER = default_holder()


def acquire(db: Database, name: str, ttl_s: float, holder: str = _HOLDER) -> bool:
    """Take (or renew) the lease; True if ``holder`` now holds it until ``now + ttl_s``."""
    now = time.time()
    with db.session() as s:
        taken = _rowcount(
            s.execute(
                update(Lease)
                .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
                .values(holder=holder, expires_at=now + ttl_s)
            )
        )
    if taken:
        return True
    try:
        with db.session() as s:
            s.execute(insert(Lease).values(name=name, holder=holder, expires_at=now + ttl_s))
        return True
    except IntegrityError:  # someone else holds it (or just took it)
        return False


def renew(db: Database, name: str, ttl_s: float, holder: str = _HOLDER) -> bool:
    """Extend a lease ``holder`` still holds; False if it was lost (expired and taken)."""
    now = time.time()
    with db.session() as s:
        return bool(
            _rowcount(
                s.execute(
                    update(Lease)
                    .where(Lease.name == name, Lease.holder == holder)
                    .values(expires_at=now + ttl_s)
                )
            )
        )


def _rowcount(result: Any) -> int:
    """Rows an UPDATE matched (``CursorResult.rowcount``)."""
    return int(cast(CursorResult[Any], result).rowcount)


def release(db: Database, name: str, holder: str = _HOLDER) -> None:
    """Give the lease up (only if ``holder`` holds it)."""
    with db.session() as s:
        s.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


def holder_of(db: Database, name: str) -> str | None:
    """Who holds the lease now (None when free or expired)."""
    with db.session() as s:
        row = s.get(Lease, name)
        return row.holder if row is not None and row.expires_at >= time.time() else None


@contextmanager
def lease(
    db: Database, name: str, ttl_s: float = 60.0, holder: str = _HOLDER, renew_every_s: float = 0
) -> Iterator[bool]:
    """``with lease(db, "feed:<id>", ttl_s=60) as held:`` — do the job only ``if held``.

    Released on exit. ``renew_every_s > 0`` renews it from a background thread while the block
    runs (for jobs that may outlast ``ttl_s``).
    """
    held = acquire(db, name, ttl_s, holder)
    stop = threading.Event()
    if held and renew_every_s > 0:

        def keep() -> None:
            while not stop.wait(renew_every_s) and renew(db, name, ttl_s, holder):
                pass

        threading.Thread(target=keep, name=f"lease:{name}", daemon=True).start()
    try:
        yield held
    finally:
        stop.set()
        if held:
            release(db, name, holder)
