"""Alerts: at most one firing per (brand, kind); resolving keeps the first ``resolved_at``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from listener.records import AlertRow, AlertState, NewAlert
from listener.storage import tables as t
from listener.storage.engine import insert
from listener.storage.errors import StorageError
from listener.storage.tables import UtcDateTime, json_object, require_utc

FIRING_ONLY = sa.text("state = 'firing'")


def _to_alert(row: RowMapping) -> AlertRow:
    values = dict(row)
    values["state"] = cast(AlertState, values["state"])
    return AlertRow(**values)


def open_alert(conn: Connection, alert: NewAlert) -> AlertRow:
    """Insert a firing alert; if one already fires for its brand and kind, return that one."""
    values = {
        "brand": alert.brand,
        "kind": alert.kind,
        "severity": alert.severity,
        "state": "firing",
        "outpost": alert.outpost,
        "started_at": require_utc(alert.started_at, "started_at"),
        "fired_at": require_utc(alert.fired_at, "fired_at"),
        "resolved_at": None,
        "summary": alert.summary,
        "explanation": json_object(alert.explanation, "explanation"),
    }
    stmt = insert(conn, t.alert).values(values)
    # The partial unique index makes a concurrent or repeated open a no-op.
    stmt = stmt.on_conflict_do_nothing(index_elements=["brand", "kind"], index_where=FIRING_ONLY)
    conn.execute(stmt)
    found = firing_alert(conn, alert.brand, alert.kind)
    if found is None:
        raise StorageError("open_alert", f"alert {alert.brand}/{alert.kind} vanished after insert")
    return found


def firing_alert(conn: Connection, brand: str, kind: str) -> AlertRow | None:
    """The alert firing for ``brand`` and ``kind``, if any."""
    a = t.alert.c
    stmt = sa.select(t.alert).where(a.brand == brand, a.kind == kind, a.state == "firing")
    row = conn.execute(stmt).mappings().one_or_none()
    return None if row is None else _to_alert(row)


def _update(conn: Connection, operation: str, alert_id: int, values: dict[str, Any]) -> None:
    stmt = sa.update(t.alert).where(t.alert.c.id == alert_id).values(values)
    if conn.execute(stmt).rowcount == 0:
        raise StorageError(operation, f"no alert with id {alert_id}")


def update_alert(
    conn: Connection,
    alert_id: int,
    *,
    severity: str,
    summary: str,
    explanation: Mapping[str, Any],
) -> None:
    """Refresh a firing alert's severity, summary and explanation."""
    values = {
        "severity": severity,
        "summary": summary,
        "explanation": json_object(explanation, "explanation"),
    }
    _update(conn, "update_alert", alert_id, values)


def resolve_alert(conn: Connection, alert_id: int, resolved_at: datetime) -> None:
    """Mark an alert resolved; resolving it again changes nothing."""
    when = sa.literal(require_utc(resolved_at, "resolved_at"), UtcDateTime())
    resolved = sa.case((t.alert.c.state == "firing", when), else_=t.alert.c.resolved_at)
    _update(conn, "resolve_alert", alert_id, {"state": "resolved", "resolved_at": resolved})


def list_alerts(
    conn: Connection, state: Literal["firing", "resolved", "all"], limit: int
) -> list[AlertRow]:
    """Alerts newest first, optionally only those in ``state``."""
    a = t.alert.c
    stmt = sa.select(t.alert).order_by(a.fired_at.desc(), a.id.desc()).limit(limit)
    if state != "all":
        stmt = stmt.where(a.state == state)
    return [_to_alert(row) for row in conn.execute(stmt).mappings()]


def ack_alert(conn: Connection, alert_id: int, by: str, now: datetime) -> bool:
    """Acknowledge an alert; False if it was acknowledged already (the first ack stays)."""
    a = t.alert.c
    if conn.execute(sa.select(a.id).where(a.id == alert_id)).first() is None:
        raise StorageError("ack_alert", f"no alert with id {alert_id}")
    stmt = (
        sa.update(t.alert)
        .where(a.id == alert_id, a.acked_at.is_(None))
        .values(acked_at=require_utc(now, "now"), acked_by=by)
    )
    return bool(conn.execute(stmt).rowcount)


def get_alert(conn: Connection, alert_id: int) -> AlertRow | None:
    """One alert by id."""
    row = conn.execute(sa.select(t.alert).where(t.alert.c.id == alert_id)).mappings().first()
    return None if row is None else _to_alert(row)


def live_alerts(conn: Connection, resolved_since: datetime) -> list[AlertRow]:
    """Firing alerts and those resolved since ``resolved_since``: what notifications concern."""
    a = t.alert.c
    since = require_utc(resolved_since, "resolved_since")
    stmt = sa.select(t.alert).where((a.state == "firing") | (a.resolved_at >= since))
    return [_to_alert(row) for row in conn.execute(stmt.order_by(a.id)).mappings()]


def last_fetched(conn: Connection, source: str) -> datetime | None:
    """When ``source`` last stored a new mention (for source_silent alerts)."""
    m = t.mention.c
    stmt = sa.select(sa.func.max(m.fetched_at)).where(m.source == source)
    return cast(datetime | None, conn.execute(stmt).scalar_one_or_none())
