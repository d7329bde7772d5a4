"""The shared database: migrated on open, one clear line when it cannot be used."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, inspect, text

from index.db import DatabaseError, migrate, open_database
from index.settings import Settings


def test_sqlite_default_is_created_and_migrated(tmp_path):
    db = open_database(Settings(data_dir=tmp_path / "d"))
    assert (tmp_path / "d" / "newsdesk.sqlite3").exists()
    assert "meta" in inspect(db.engine).get_table_names()
    with db.session() as s:
        s.execute(text("INSERT INTO meta(key, value) VALUES ('k', 'v')"))
    with db.session() as s:
        assert s.execute(text("SELECT value FROM meta WHERE key='k'")).scalar_one() == "v"


def test_stored_secret_is_made_once_and_kept_per_key(tmp_path):
    db = open_database(Settings(data_dir=tmp_path / "d"))
    first = db.stored_secret("browser_state_secret")
    assert len(first) >= 32 and db.stored_secret("browser_state_secret") == first
    assert db.stored_secret("other") != first
    with db.session() as s:
        key = "browser_state_secret"
        stored = s.execute(text("SELECT value FROM meta WHERE key = :k"), {"k": key}).scalar_one()
    assert stored == first


def test_unreachable_server_is_one_line(tmp_path):
    url = "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
    with pytest.raises(DatabaseError) as err:
        open_database(Settings(data_dir=tmp_path, database_url=url))
    message = str(err.value)
    assert "\n" not in message and "secret" not in message and "NEWSDESK_DATABASE_URL" in message


def test_migration_0005_drops_the_feeds_lease_column_and_keeps_feed_links(tmp_path):
    """The feed lease moved to ``leases``: ``feeds.leased_until`` goes, in place, so the
    articles of a feed keep their ``feed_id`` (foreign keys on, as the app runs SQLite)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA foreign_keys=ON"))
    migrate(engine, "0004_leases")
    with engine.begin() as c:
        c.execute(
            text("INSERT INTO feeds(id, url, added_at) VALUES (7, 'https://x/rss', '2026-01-01')")
        )
        c.execute(
            text(
                "INSERT INTO web_articles(url, link, feed_id, first_seen, last_fetched) "
                "VALUES ('https://x/a', 'https://x/a', 7, '2026-01-01', '2026-01-01')"
            )
        )
    assert "leased_until" in {c["name"] for c in inspect(engine).get_columns("feeds")}
    migrate(engine)
    assert "leased_until" not in {c["name"] for c in inspect(engine).get_columns("feeds")}
    with engine.begin() as c:
        assert c.execute(text("SELECT feed_id FROM web_articles")).scalar_one() == 7
