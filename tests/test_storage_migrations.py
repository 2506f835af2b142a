"""Migrations, engines and errors on both dialects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

import listener.errors
import listener.storage
from listener.storage import MIGRATIONS, Storage, StorageError
from listener.storage.tables import metadata

TABLES = {"alembic_version", "mention", "mention_brand", "source_state", "alert"}


def head_revision() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    """A plain engine on the test database, to look behind the façade."""
    plain = sa.create_engine(db_url, poolclass=NullPool)
    yield plain
    plain.dispose()


def test_migrations_apply_to_an_empty_database_and_are_idempotent(
    db_url: str, engine: sa.Engine
) -> None:
    store = Storage(db_url)
    assert store.current_revision() is None

    store.upgrade()
    store.upgrade()

    assert store.current_revision() == head_revision() == "0004"
    assert set(sa.inspect(engine).get_table_names()) == TABLES
    store.close()


def test_models_match_the_migrations(storage: Storage, engine: sa.Engine) -> None:
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_postgres_tests_run_in_their_own_schema(storage: Storage, engine: sa.Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("schemas are PostgreSQL-only")
    with engine.connect() as conn:
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        assert schema.startswith("listener_t_")
        assert conn.exec_driver_sql("SHOW TimeZone").scalar_one() == "America/St_Johns"
        found = sa.inspect(conn).get_table_names(schema=schema)
    assert set(found) == TABLES


def test_sqlite_creates_its_directory_and_runs_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new" / "nested" / "listener.db"
    store = Storage(f"sqlite:///{path}")
    store.upgrade()
    store.close()

    plain = sa.create_engine(f"sqlite:///{path}", poolclass=NullPool)
    with plain.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    plain.dispose()


def test_database_errors_become_storage_errors(db_url: str) -> None:
    store = Storage(db_url)  # never upgraded: no tables
    with pytest.raises(StorageError) as caught:
        store.count_mentions()
    store.close()

    assert caught.value.operation == "count_mentions"
    assert isinstance(caught.value.__cause__, sa.exc.SQLAlchemyError)
    assert "SELECT" not in str(caught.value)  # the driver's message, not the statement


def test_an_unreachable_server_is_a_storage_error() -> None:
    store = Storage("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StorageError, match="storage upgrade"):
        store.upgrade()
    store.close()


def test_unsupported_databases_are_refused() -> None:
    with pytest.raises(StorageError, match="unsupported database 'mysql'"):
        Storage("mysql://user@localhost/listener")


def test_the_facade_exports() -> None:
    assert sorted(listener.storage.__all__) == ["Storage", "StorageError", "StoreResult"]
    assert all(hasattr(listener.storage, name) for name in listener.storage.__all__)
    assert issubclass(StorageError, listener.errors.ListenerError)
