"""Database fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``LISTENER_TEST_POSTGRES_URL``; without it those params are skipped,
unless ``LISTENER_REQUIRE_POSTGRES=1`` (CI), which turns a missing URL or an unreachable
server into a failure. Each PostgreSQL test gets a fresh schema, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from listener.storage import Storage

POSTGRES_URL_ENV = "LISTENER_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "LISTENER_REQUIRE_POSTGRES"


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_POSTGRES_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    """Create ``listener_t_<random>``, yield a URL whose search_path is only that schema."""
    schema = f"listener_t_{secrets.token_hex(6)}"
    admin = sa.create_engine(base_url, poolclass=NullPool)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except sa.exc.OperationalError as e:
        admin.dispose()
        _unavailable(
            f"PostgreSQL at {POSTGRES_URL_ENV} is unreachable: {str(e.orig).splitlines()[0]}"
        )
    # An odd session time zone (UTC-03:30) makes any time-zone slip visible.
    options = f"-csearch_path={schema} -ctimezone=America/St_Johns"
    url = make_url(base_url).update_query_dict({"options": options})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.dispose()


def _database_url(kind: str, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        # A directory that does not exist yet: Storage must create it.
        yield f"sqlite:///{directory / 'data' / 'listener.db'}"
        return
    base_url = os.environ.get(POSTGRES_URL_ENV)
    if not base_url:
        _unavailable(f"set {POSTGRES_URL_ENV} to run the PostgreSQL variant")
    yield from _postgres_schema_url(base_url)


DIALECTS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=DIALECTS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables) on each dialect."""
    yield from _database_url(request.param, tmp_path)


@pytest.fixture
def storage(db_url: str) -> Iterator[Storage]:
    """A migrated, empty ``Storage`` on each dialect."""
    store = Storage(db_url)
    store.upgrade()
    yield store
    store.close()


@pytest.fixture(scope="module", params=DIALECTS)
def module_storage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Storage]:
    """A migrated ``Storage`` shared by a module's read-only tests (schema setup is slow)."""
    directory = tmp_path_factory.mktemp("module_db")
    for url in _database_url(request.param, directory):
        store = Storage(url)
        store.upgrade()
        yield store
        store.close()
