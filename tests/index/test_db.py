"""The shared database: migrated on open, one clear line when it cannot be used."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from index.db import DatabaseError, open_database
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
