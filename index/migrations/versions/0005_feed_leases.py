"""Feeds: the refresh lease moves to the general ``leases`` table (``index/leases.py``).

A feed's refresh now takes the lease ``feed:<id>`` of :mod:`index.leases`, so the feeds
table's own ``leased_until`` column is dropped. SQLite drops it natively (3.35+) without
rebuilding the table: a rebuild would drop ``feeds`` and, with foreign keys on, null every
``web_articles.feed_id``. An older SQLite keeps the column, unused (it is nullable).

Revision ID: 0005_feed_leases
Revises: 0004_leases
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "0005_feed_leases"
down_revision = "0004_leases"
branch_labels = None
depends_on = None


def _keeps_column() -> bool:
    """True on a SQLite too old for ``ALTER TABLE … DROP COLUMN``."""
    return op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35, 0)


def upgrade() -> None:
    if not _keeps_column():
        op.drop_column("feeds", "leased_until")


def downgrade() -> None:
    if not _keeps_column():
        op.add_column("feeds", sa.Column("leased_until", sa.DateTime(), nullable=True))
