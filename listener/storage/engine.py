"""Engines and dialect upserts: the only module that knows SQLite from PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url

from listener.storage.errors import StorageError

SQLITE_BUSY_TIMEOUT_MS = 10_000
Insert = sqlite.Insert | postgresql.Insert


def create_engine(url: str) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql+psycopg://...``; other URLs are refused."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        _make_parent_dir(parsed.database)
        engine = sa.create_engine(parsed)
        sa.event.listen(engine, "connect", _configure_sqlite)
        return engine
    if backend == "postgresql":
        # pre-ping heals a pool after a server restart; recycle outlives idle-session killers.
        return sa.create_engine(
            parsed, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_recycle=1800
        )
    raise StorageError("connect", f"unsupported database {backend!r}: use sqlite or postgresql")


def _make_parent_dir(database: str | None) -> None:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (CLI, web) run while the scheduler writes; the timeout queues writers.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def insert(conn: Connection | str, table: sa.Table) -> Insert:
    """The INSERT of the connection's dialect (or dialect name), with ``on_conflict_do_*``."""
    name = conn if isinstance(conn, str) else conn.dialect.name
    return postgresql.insert(table) if name == "postgresql" else sqlite.insert(table)
