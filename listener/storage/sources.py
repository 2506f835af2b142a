"""Source cursors and health: one ``source_state`` row per source, written by upsert."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from listener.records import PollHealth, SourceState
from listener.storage import tables as t
from listener.storage.engine import insert
from listener.storage.tables import json_object, require_utc

UNKNOWN_ERROR = "unknown error"


def _health_values(source: str, health: PollHealth) -> dict[str, Any]:
    polled = require_utc(health.polled_at, "polled_at")
    until = health.rate_limited_until
    return {
        "name": source,
        "last_polled": polled,
        "last_error": health.error,
        "last_error_at": polled if health.error is not None else None,
        "rate_limited_until": None if until is None else require_utc(until, "rate_limited_until"),
        "items_fetched": health.fetched,
    }


def save_poll(conn: Connection, source: str, cursor: Mapping[str, Any], health: PollHealth) -> None:
    """Record a poll that produced a cursor: a success, even with partial errors.

    ``last_error`` is history: a clean poll keeps the previous one (``last_error_at`` then
    predates ``last_success``).
    """
    values = _health_values(source, health)
    values |= {"cursor": json_object(cursor, "cursor"), "last_success": values["last_polled"]}
    stmt = insert(conn, t.source_state).values(consecutive_failures=0, **values)
    new, old = stmt.excluded, t.source_state.c
    update: dict[str, Any] = {
        name: new[name] for name in ("cursor", "last_polled", "last_success", "rate_limited_until")
    }
    update |= {"items_fetched": old.items_fetched + new.items_fetched, "consecutive_failures": 0}
    if health.error is not None:
        update |= {"last_error": new.last_error, "last_error_at": new.last_error_at}
    conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=update))


def record_failure(conn: Connection, source: str, health: PollHealth) -> None:
    """Record a poll that failed as a whole: the cursor stays, the failure streak grows."""
    values = _health_values(source, health)
    values["last_error"] = health.error or UNKNOWN_ERROR
    values["last_error_at"] = values["last_polled"]
    stmt = insert(conn, t.source_state).values(cursor={}, consecutive_failures=1, **values)
    new, old = stmt.excluded, t.source_state.c
    update: dict[str, Any] = {
        name: new[name]
        for name in ("last_polled", "last_error", "last_error_at", "rate_limited_until")
    }
    update |= {
        "items_fetched": old.items_fetched + new.items_fetched,
        "consecutive_failures": old.consecutive_failures + 1,
    }
    conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=update))


def load_cursor(conn: Connection, source: str) -> dict[str, Any]:
    """The saved cursor, or ``{}`` for a source never polled successfully."""
    stmt = sa.select(t.source_state.c.cursor).where(t.source_state.c.name == source)
    cursor = conn.execute(stmt).scalar_one_or_none()
    return dict(cursor) if cursor else {}


def _to_state(row: RowMapping) -> SourceState:
    values = dict(row)
    values["cursor"] = dict(values["cursor"])
    return SourceState(**values)


def source_states(conn: Connection, source: str | None = None) -> list[SourceState]:
    """All sources by name, or just ``source`` when given."""
    stmt = sa.select(t.source_state).order_by(t.source_state.c.name)
    if source is not None:
        stmt = stmt.where(t.source_state.c.name == source)
    return [_to_state(row) for row in conn.execute(stmt).mappings()]
