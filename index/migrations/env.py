"""Alembic environment: runs on the connection that ``index.db.migrate`` passes in."""

from __future__ import annotations

from alembic import context

import index.db

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=index.db.Base.metadata)
with context.begin_transaction():
    context.run_migrations()
