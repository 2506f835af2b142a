"""Advisory locks on PostgreSQL: one holder at a time, freed when the holder's session dies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from listener.cluster.locks import AdvisoryLock, holding, lock_engine, lock_key
from tests.conftest import POSTGRES_URL_ENV, _postgres_schema_url, _unavailable

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    base = os.environ.get(POSTGRES_URL_ENV)
    if not base:
        _unavailable(f"set {POSTGRES_URL_ENV} to run the PostgreSQL variant")
    for url in _postgres_schema_url(base):
        engine = lock_engine(url)
        yield engine
        engine.dispose()


def test_keys_are_stable_and_scoped() -> None:
    assert lock_key("listener", "source", "news") == lock_key("listener", "source", "news")
    keys = {lock_key(q, k, n) for q in ("a", "b") for k in ("source", "x") for n in ("n", "m")}
    assert len(keys) == 8
    assert all(-(2**63) <= k < 2**63 for k in keys)


def test_one_holder_at_a_time(engine: Engine) -> None:
    key = lock_key("t", "source", "news")
    with holding(engine, key) as first:
        assert first is not None and first.held()
        with holding(engine, key) as second:
            assert second is None
        with holding(engine, lock_key("t", "source", "other")) as other:
            assert other is not None
    with holding(engine, key) as again:
        assert again is not None


def test_a_dead_session_frees_its_lock(engine: Engine) -> None:
    key = lock_key("t", "leader", "scheduler")
    lock = AdvisoryLock(engine, key)
    assert lock.try_acquire()
    with engine.connect() as conn:  # what a crash or a server restart does to the holder
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                " AND objid::bigint = :low"
            ),
            {"low": key & 0xFFFF_FFFF},
        )
    assert not lock.held()
    lock.release()  # harmless once the session is gone
    successor = AdvisoryLock(engine, key)
    assert successor.try_acquire()
    successor.release()
