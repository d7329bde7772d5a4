"""Alembic migrations of the shared database (see ``index/db.py``)."""
