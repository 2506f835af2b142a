"""PostgreSQL session advisory locks, each on a connection of its own.

A session lock lives exactly as long as its connection: a worker killed with ``kill -9`` or a
scheduler whose machine vanished loses its locks when PostgreSQL closes the session, so nothing
is ever left locked by a dead process and no lease table needs sweeping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from listener.storage.errors import translate_errors

# A dead peer is noticed within about half a minute even without traffic.
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def lock_key(namespace: str, kind: str, name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` (same on every machine)."""
    digest = hashlib.blake2b(f"{namespace}\0{kind}\0{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_engine(url: str) -> Engine:
    """An engine whose connections are never pooled: each lock owns its session."""
    return sa.create_engine(url, poolclass=NullPool, connect_args=KEEPALIVES)


class AdvisoryLock:
    """One session-level advisory lock; ``try_acquire`` opens the session, ``release`` ends it."""

    def __init__(self, engine: Engine, key: int) -> None:
        self._engine = engine
        self.key = key
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        """Take the lock without waiting; False when another session holds it."""
        with translate_errors("advisory lock"):
            conn = self._engine.connect()
            try:
                got = conn.execute(sa.select(sa.func.pg_try_advisory_lock(self.key))).scalar()
                conn.commit()
            except BaseException:
                conn.close()
                raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def held(self) -> bool:
        """Is the session holding the lock still alive? (A lost session lost the lock.)"""
        if self._conn is None:
            return False
        try:
            self._conn.execute(sa.select(1)).scalar()
            self._conn.commit()
        except sa.exc.DBAPIError:
            self._drop()
            return False
        return True

    def release(self) -> None:
        """End the session, which frees the lock (also when the connection is already gone)."""
        if self._conn is not None:
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except sa.exc.DBAPIError:
                conn.invalidate()


@contextmanager
def holding(engine: Engine, key: int) -> Iterator[AdvisoryLock | None]:
    """The lock while the block runs, or None when someone else holds it."""
    lock = AdvisoryLock(engine, key)
    if not lock.try_acquire():
        yield None
        return
    try:
        yield lock
    finally:
        lock.release()


@contextmanager
def waiting_for(engine: Engine, key: int) -> Iterator[None]:
    """Wait for the lock, hold it while the block runs (serialises e.g. migrations)."""
    with translate_errors("advisory lock"), engine.connect() as conn:
        conn.execute(sa.select(sa.func.pg_advisory_lock(key)))
        conn.commit()
        yield
