"""Alembic environment: runs on the connection ``listener.storage.Storage.upgrade`` passes in.

There is no alembic.ini and no offline mode: the app owns the engine (WAL, busy timeout,
PostgreSQL ``search_path``), so migrations always run on one of its connections.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from listener.storage.tables import metadata


def _connection() -> Connection:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run migrations with listener.storage.Storage(url).upgrade()")
    return connection


def run_migrations() -> None:
    """Apply the pending revisions inside the caller's transaction."""
    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported")
    # render_as_batch: SQLite needs table copies for most ALTERs in later revisions.
    context.configure(connection=_connection(), target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
