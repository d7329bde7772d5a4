"""Shared state — feeds and leases, conversations, feedback — in one SQL database.

A SQLite file in the data dir by default (nothing to start); ``NEWSDESK_DATABASE_URL``
(``postgresql+psycopg://user@host/db``) when several replicas must share it. The schema is
owned by Alembic migrations in ``index/migrations/versions``, applied when the database is
opened, so every process sees the same tables.

Tables are declared on :class:`Base` by the modules that own them; each new table or column
comes with a migration (one file in ``versions/``, chained by ``down_revision``).

Example:
    >>> from index.settings import Settings
    >>> database_url(Settings(data_dir="/tmp/nd"))
    'sqlite:////tmp/nd/newsdesk.sqlite3'
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from index.errors import NewsdeskError
from index.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of every table in the shared database."""


class DatabaseError(NewsdeskError, RuntimeError):
    """The database cannot be opened or used; the message says what to do, in one line."""


def database_url(settings: Settings) -> str:
    """``NEWSDESK_DATABASE_URL``, or the SQLite file in the data dir."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{(settings.data_dir / 'newsdesk.sqlite3').resolve()}"


class Database:
    """An engine and a session factory over the migrated schema."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def stored_secret(self, key: str) -> str:
        """The random secret kept under ``key`` in the ``meta`` table (made on first use), so
        it survives restarts and is the same for every replica."""
        with self.session() as s:
            found = s.execute(text("SELECT value FROM meta WHERE key = :k"), {"k": key}).scalar()
            if found:
                return str(found)
            value = secrets.token_urlsafe(24)
            s.execute(text("INSERT INTO meta(key, value) VALUES (:k, :v)"), {"k": key, "v": value})
            return value


_open: dict[str, Database] = {}
_open_lock = threading.Lock()


def open_database(settings: Settings) -> Database:
    """The process-wide :class:`Database` for ``settings`` (migrated to the newest schema).

    Raises:
        DatabaseError: unreachable server, bad URL, or a failed migration.
    """
    url = database_url(settings)
    with _open_lock:
        if url not in _open:
            _open[url] = Database(_connect(url, settings))
        return _open[url]


def _connect(url: str, settings: Settings) -> Engine:
    where = url.split("@")[-1]  # never show a password in a message
    try:
        if url.startswith("sqlite"):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        migrate(engine)
    except SQLAlchemyError as exc:
        detail = (str(exc.orig if hasattr(exc, "orig") else exc).strip().splitlines() or ["?"])[0]
        raise DatabaseError(
            f"cannot use the database at {where} ({detail[:160]}): check NEWSDESK_DATABASE_URL "
            "and that the server is running"
        ) from None
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"no driver for {url.split(':')[0]} ({exc.name}): pip install the driver "
            "(psycopg for PostgreSQL)"
        ) from None
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Apply every Alembic migration not yet applied, up to ``revision`` (safe to run from
    several processes)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # one migrator at a time across replicas
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7735011)")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
