"""News intake: followed feeds and the articles fetched from the web.

Revision ID: 0002_feeds
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_feeds"
down_revision = "0001_base"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(2000), nullable=False, unique=True),
        sa.Column("title", sa.String(500), nullable=False, server_default=""),
        sa.Column("kind", sa.String(20), nullable=False, server_default=""),
        sa.Column("every_minutes", sa.Float(), nullable=True),
        sa.Column("etag", sa.String(500), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("state", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("last_refresh_at", sa.DateTime(), nullable=True),
        sa.Column("next_refresh_at", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.String(20), nullable=False, server_default=""),
        sa.Column("last_detail", sa.Text(), nullable=False, server_default=""),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("leased_until", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_feeds_next_refresh_at", "feeds", ["next_refresh_at"])
    op.create_table(
        "web_articles",
        sa.Column("url", sa.String(2000), primary_key=True),
        sa.Column("link", sa.String(2000), nullable=False),
        sa.Column(
            "feed_id",
            sa.Integer(),
            sa.ForeignKey("feeds.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("doc_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("title", sa.String(1000), nullable=False, server_default=""),
        sa.Column("publisher", sa.String(300), nullable=False, server_default=""),
        sa.Column("published_at", sa.String(40), nullable=False, server_default=""),
        sa.Column("updated_at", sa.String(40), nullable=False, server_default=""),
        sa.Column("etag", sa.String(500), nullable=True),
        sa.Column("last_modified", sa.String(100), nullable=True),
        sa.Column("entry_fp", sa.String(40), nullable=False, server_default=""),
        sa.Column("story", sa.String(64), nullable=False, server_default=""),
        sa.Column("minhash", sa.LargeBinary(), nullable=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_fetched", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_web_articles_link", "web_articles", ["link"])
    op.create_index("ix_web_articles_feed_id", "web_articles", ["feed_id"])
    op.create_index("ix_web_articles_story", "web_articles", ["story"])


def downgrade() -> None:
    op.drop_table("web_articles")
    op.drop_table("feeds")
