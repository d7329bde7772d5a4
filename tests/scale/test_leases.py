"""Leases in the shared database: SQLite by default, and a real PostgreSQL 15."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import inspect

from index.db import open_database
from index.leases import acquire, holder_of, lease, release, renew
from index.settings import Settings


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        return open_database(Settings(data_dir=tmp_path / "d"))
    url = request.getfixturevalue("postgres_url")
    return open_database(Settings(data_dir=tmp_path / "d", database_url=url))


def test_migration_creates_the_table(db):
    assert "leases" in inspect(db.engine).get_table_names()


def test_one_holder_until_release_or_expiry(db, request):
    name = f"feed:https://example.com/{request.node.name}"
    assert acquire(db, name, ttl_s=30, holder="a")
    assert not acquire(db, name, ttl_s=30, holder="b")
    assert holder_of(db, name) == "a"
    assert acquire(db, name, ttl_s=30, holder="a")  # the holder may renew by acquiring
    assert renew(db, name, ttl_s=30, holder="a") and not renew(db, name, 30, holder="b")
    release(db, name, holder="b")  # not b's to release
    assert holder_of(db, name) == "a"
    release(db, name, holder="a")
    assert holder_of(db, name) is None
    assert acquire(db, name, ttl_s=0.2, holder="b")
    assert not acquire(db, name, ttl_s=30, holder="a")
    time.sleep(0.3)  # b died without releasing: its lease expires
    assert holder_of(db, name) is None
    assert acquire(db, name, ttl_s=30, holder="a")
    assert not renew(db, name, ttl_s=30, holder="b")  # b lost it


def test_many_contenders_one_winner(db, request):
    """Eight threads race for the same lease at once: exactly one wins."""
    name = f"feed:race-{request.node.name}"
    start = threading.Barrier(8)
    won: list[str] = []

    def contend(i: int) -> None:
        start.wait()
        if acquire(db, name, ttl_s=30, holder=f"h{i}"):
            won.append(f"h{i}")

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and holder_of(db, name) == won[0]


def test_context_manager_skips_when_held_and_renews(db, request):
    name = f"feed:ctx-{request.node.name}"
    with lease(db, name, ttl_s=0.6, holder="a", renew_every_s=0.1) as held:
        assert held
        with lease(db, name, ttl_s=0.6, holder="b") as other:
            assert not other
        time.sleep(1.0)  # longer than ttl_s: still held thanks to renewal
        assert holder_of(db, name) == "a"
    assert holder_of(db, name) is None
