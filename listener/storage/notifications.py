"""The notification outbox and silences.

Outbox rows are unique per (receiver, idempotency key): enqueueing the same event twice is a
no-op, so the dispatcher can reconcile from the alert table after any crash. Only ``pending``
rows are ever selected for sending, and marking sent is conditional on still being pending.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from listener.records import (
    NewNotification,
    NewSilence,
    NotificationRow,
    NotificationState,
    SilenceRow,
)
from listener.storage import tables as t
from listener.storage.engine import insert
from listener.storage.tables import json_object, require_utc

N = t.notification.c
ERROR_CHARS = 500  # a receiver's error text is kept short: it is shown in tables


def _to_row(row: RowMapping) -> NotificationRow:
    values = dict(row)
    values["state"] = cast(NotificationState, values["state"])
    return NotificationRow(**values)


def enqueue(conn: Connection, items: Sequence[NewNotification], now: datetime) -> int:
    """Insert the rows not already there; returns how many were new."""
    added = 0
    for item in items:
        due = require_utc(item.due_at, "due_at")
        values: dict[str, Any] = {
            **{k: getattr(item, k) for k in ("receiver", "group_key", "alert_id", "event")},
            "idempotency_key": item.idempotency_key,
            "severity": item.severity,
            "payload": json_object(item.payload, "payload"),
            "state": "pending",
            "attempts": 0,
            "created_at": require_utc(now, "now"),
            "due_at": due,
            "next_attempt_at": due,
        }
        stmt = insert(conn, t.notification).values(values)
        stmt = stmt.on_conflict_do_nothing(index_elements=["receiver", "idempotency_key"])
        # RETURNING, not rowcount: the PostgreSQL driver reports -1 for this statement.
        added += len(conn.execute(stmt.returning(N.id)).all())
    return added


def for_alerts(conn: Connection, alert_ids: Sequence[int]) -> list[NotificationRow]:
    """Every outbox row of these alerts, oldest first."""
    if not alert_ids:
        return []
    stmt = sa.select(t.notification).where(N.alert_id.in_(alert_ids)).order_by(N.id)
    return [_to_row(r) for r in conn.execute(stmt).mappings()]


def group_due(conn: Connection) -> dict[tuple[str, str], datetime]:
    """The latest ``due_at`` of each (receiver, group key): when that group last flushed."""
    stmt = sa.select(N.receiver, N.group_key, sa.func.max(N.due_at)).group_by(
        N.receiver, N.group_key
    )
    return {(receiver, group): when for receiver, group, when in conn.execute(stmt)}


def due(conn: Connection, now: datetime, limit: int) -> list[NotificationRow]:
    """Pending rows whose next attempt is due, in the order they became due."""
    stmt = (
        sa.select(t.notification)
        .where(N.state == "pending", N.next_attempt_at <= require_utc(now, "now"))
        .order_by(N.due_at, N.id)
        .limit(limit)
    )
    return [_to_row(r) for r in conn.execute(stmt).mappings()]


def mark_sent(conn: Connection, row_id: int, now: datetime) -> bool:
    """Record delivery; False if the row was no longer pending (another worker sent it)."""
    stmt = (
        sa.update(t.notification)
        .where(N.id == row_id, N.state == "pending")
        .values(state="sent", sent_at=require_utc(now, "now"), attempts=N.attempts + 1)
    )
    return bool(conn.execute(stmt).rowcount)


def mark_failed(conn: Connection, row_id: int, error: str, retry_at: datetime | None) -> None:
    """Count a failed attempt; ``retry_at`` None gives up on the row (state ``dead``)."""
    values: dict[str, Any] = {"attempts": N.attempts + 1, "last_error": error[:ERROR_CHARS]}
    if retry_at is None:
        values["state"] = "dead"
    else:
        values["next_attempt_at"] = require_utc(retry_at, "retry_at")
    stmt = sa.update(t.notification).where(N.id == row_id, N.state == "pending").values(values)
    conn.execute(stmt)


def defer_receiver(conn: Connection, receiver: str, until: datetime) -> None:
    """Push every pending row of a failing receiver to ``until``: one probe per retry, no
    hammering and no burst of old rows the moment it answers again."""
    until = require_utc(until, "until")
    stmt = (
        sa.update(t.notification)
        .where(N.receiver == receiver, N.state == "pending", N.next_attempt_at < until)
        .values(next_attempt_at=until)
    )
    conn.execute(stmt)


def list_rows(conn: Connection, state: str | None, limit: int) -> list[NotificationRow]:
    """Outbox rows newest first, optionally only in ``state``."""
    stmt = sa.select(t.notification).order_by(N.id.desc()).limit(limit)
    if state is not None:
        stmt = stmt.where(N.state == state)
    return [_to_row(r) for r in conn.execute(stmt).mappings()]


def add_silence(conn: Connection, silence: NewSilence) -> SilenceRow:
    """Store a silence and return it with its id."""
    values = {
        "brand": silence.brand,
        "kind": silence.kind,
        "outpost": silence.outpost,
        "starts_at": require_utc(silence.starts_at, "starts_at"),
        "ends_at": require_utc(silence.ends_at, "ends_at"),
        "reason": silence.reason,
        "created_by": silence.created_by,
    }
    stmt = sa.insert(t.silence).values(values).returning(*t.silence.c)
    return SilenceRow(**conn.execute(stmt).mappings().one())


def silences(conn: Connection, now: datetime, include_expired: bool) -> list[SilenceRow]:
    """Silences that have not ended by ``now`` (or all), newest first."""
    s = t.silence.c
    stmt = sa.select(t.silence).order_by(s.id.desc())
    if not include_expired:
        stmt = stmt.where(s.ends_at > require_utc(now, "now"))
    return [SilenceRow(**r) for r in conn.execute(stmt).mappings()]


def expire_silence(conn: Connection, silence_id: int, now: datetime) -> bool:
    """End a silence now; False if there is no such silence or it had ended already."""
    s = t.silence.c
    now = require_utc(now, "now")
    stmt = (
        sa.update(t.silence)
        .where(s.id == silence_id, s.ends_at > now)
        .values(ends_at=now, starts_at=sa.case((s.starts_at > now, now), else_=s.starts_at))
    )
    return bool(conn.execute(stmt).rowcount)
