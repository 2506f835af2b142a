"""Web app storage: local users, API tokens and the review queue (triage state per mention
and brand). Functions take an open ``Connection``; the façade decides the transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from listener.records import (
    QueueFilter,
    QueueItem,
    Review,
    ReviewStatus,
    Role,
    WebUser,
)
from listener.storage import mentions, search
from listener.storage import tables as t
from listener.storage.engine import insert
from listener.storage.tables import require_utc


def token_digest(token: str) -> str:
    """What is stored for an API token: its SHA-256, so a database leak reveals no token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _to_user(row: RowMapping) -> WebUser:
    values = dict(row)
    values["role"] = cast(Role, values["role"])
    return WebUser(**values)


def upsert_user(conn: Connection, name: str, role: Role, password_hash: str, now: datetime) -> None:
    """Create the user, or set the role and password of an existing one."""
    stmt = insert(conn, t.web_user).values(
        name=name, role=role, password_hash=password_hash, created_at=require_utc(now)
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"],
        set_={"role": stmt.excluded.role, "password_hash": stmt.excluded.password_hash},
    )
    conn.execute(stmt)


def get_user(
    conn: Connection, *, name: str | None = None, user_id: int | None = None
) -> WebUser | None:
    """The user with that name or id, if any."""
    u = t.web_user.c
    condition = u.name == name if name is not None else u.id == user_id
    row = conn.execute(sa.select(t.web_user).where(condition)).mappings().first()
    return None if row is None else _to_user(row)


def list_users(conn: Connection) -> list[WebUser]:
    """Every user, by name."""
    stmt = sa.select(t.web_user).order_by(t.web_user.c.name)
    return [_to_user(row) for row in conn.execute(stmt).mappings()]


def add_token(conn: Connection, user_id: int, token: str, label: str, now: datetime) -> None:
    """Store a new API token (its digest) for ``user_id``."""
    conn.execute(
        t.api_token.insert().values(
            user_id=user_id, token_hash=token_digest(token), label=label, created_at=now
        )
    )


def user_by_token(conn: Connection, token: str) -> WebUser | None:
    """The owner of an API token, if the token is known."""
    u, k = t.web_user.c, t.api_token.c
    stmt = sa.select(t.web_user).join(t.api_token, k.user_id == u.id)
    row = conn.execute(stmt.where(k.token_hash == token_digest(token))).mappings().first()
    return None if row is None else _to_user(row)


def set_reviews(
    conn: Connection, keys: Sequence[tuple[int, str]], review: Review, now: datetime
) -> int:
    """Set the triage state of each (mention id, brand) that exists; return how many."""
    b = t.mention_brand.c
    existing = [
        (mention_id, brand)
        for mention_id, brand in keys
        if conn.execute(sa.select(b.id).where(b.mention_id == mention_id, b.brand == brand)).first()
    ]
    if not existing:
        return 0
    values = {
        "status": review.status,
        "assignee": review.assignee,
        "note": review.note,
        "updated_at": require_utc(now),
        "updated_by": review.updated_by,
    }
    rows = [{"mention_id": m, "brand": br, **values} for m, br in existing]
    stmt = insert(conn, t.review_state)
    stmt = stmt.on_conflict_do_update(
        index_elements=["mention_id", "brand"], set_={k: stmt.excluded[k] for k in values}
    )
    conn.execute(stmt, rows)
    return len(rows)


_STATUS = sa.func.coalesce(t.review_state.c.status, "new")


def _queue_from() -> sa.Select[Any]:
    m, b, r = t.mention.c, t.mention_brand.c, t.review_state.c
    review = (
        _STATUS.label("review_status"),
        r.assignee.label("review_assignee"),
        r.note.label("review_note"),
        r.updated_at.label("review_updated_at"),
        r.updated_by.label("review_updated_by"),
    )
    joined = t.mention.join(t.mention_brand, m.id == b.mention_id).outerjoin(
        t.review_state, sa.and_(r.mention_id == m.id, r.brand == b.brand)
    )
    return sa.select(*mentions.row_columns(), *review).select_from(joined)


def _queue_conditions(f: QueueFilter) -> Iterator[sa.ColumnElement[bool]]:
    m, b = t.mention.c, t.mention_brand.c
    equal = (
        (b.brand, f.brand),
        (b.outpost, f.outpost),
        (m.platform, f.platform),
        (b.sentiment_label, f.sentiment),
        (_STATUS, f.status),
    )
    yield from (column == value for column, value in equal if value is not None)
    if f.topic:
        yield search.has_topic(f.topic)


def select_queue(f: QueueFilter) -> sa.Select[Any]:
    """The review queue: mentions on an outpost first, then newest first."""
    m, b = t.mention.c, t.mention_brand.c
    on_outpost_first = sa.case((b.outpost.is_(None), 1), else_=0)
    stmt = _queue_from().where(*_queue_conditions(f))
    stmt = stmt.order_by(on_outpost_first, m.created_at.desc(), m.id.desc(), b.brand)
    return stmt.limit(f.limit).offset(f.offset)


def to_queue_item(row: RowMapping) -> QueueItem:
    """A row of ``select_queue`` as the frozen record."""
    values = dict(row)
    review = Review(
        status=cast(ReviewStatus, values.pop("review_status")),
        assignee=values.pop("review_assignee"),
        note=values.pop("review_note"),
        updated_at=values.pop("review_updated_at"),
        updated_by=values.pop("review_updated_by"),
    )
    return QueueItem(mention=mentions.to_row(values), review=review)


def select_status_counts(f: QueueFilter) -> sa.Select[Any, int]:
    """Mentions per triage status under ``f``'s other filters."""
    m, b, r = t.mention.c, t.mention_brand.c, t.review_state.c
    joined = t.mention.join(t.mention_brand, m.id == b.mention_id).outerjoin(
        t.review_state, sa.and_(r.mention_id == m.id, r.brand == b.brand)
    )
    stmt = sa.select(_STATUS.label("status"), sa.func.count().label("n")).select_from(joined)
    return stmt.where(*_queue_conditions(f)).group_by(_STATUS)
