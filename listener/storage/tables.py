"""The tables, declared once with SQLModel; queries use their Core ``Table`` objects.

Two column types make SQLite and PostgreSQL behave the same:

* ``UtcDateTime``: timezone-aware UTC in and out. SQLite has no time zones, so it stores naive
  UTC; PostgreSQL stores ``timestamptz``. Naive datetimes are refused.
* ``SafeText``: PostgreSQL cannot store U+0000 in text, so every string bound to a text column
  has NUL replaced by U+FFFD on both dialects (the mention is kept, identically everywhere).

``mention_brand`` repeats ``created_at`` (as integer microseconds since the Unix epoch),
``sentiment_label`` and ``reach`` of its mention: bucket counts then read one table through the
``(brand, created_epoch_us)`` index, and integer division aligns buckets with the same SQL on
both dialects (there is no portable timestamp-to-epoch function).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NUL_REPLACEMENT = "\ufffd"


def require_utc(value: datetime, name: str = "datetime") -> datetime:
    """Return ``value`` in UTC; raise ValueError for a naive datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value.astimezone(UTC)


def epoch_us(value: datetime) -> int:
    """Exact microseconds since the Unix epoch of an aware datetime."""
    return (require_utc(value) - EPOCH) // timedelta(microseconds=1)


def json_object(value: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``value`` as it will read back (tuples become lists); ValueError if not JSON-serialisable."""
    try:
        return cast(dict[str, Any], json.loads(json.dumps(value)))
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be JSON-serialisable: {e}") from e


def scrub_nul(value: str) -> str:
    """Replace NUL, which PostgreSQL text cannot hold, by U+FFFD."""
    return value.replace("\x00", NUL_REPLACEMENT)


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes on every dialect; naive input is a bug and raises."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = require_utc(value)
        # SQLite's DATETIME ignores tzinfo: store the naive UTC wall clock.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class SafeText(sa.types.TypeDecorator[str]):
    """Text whose NUL characters become U+FFFD on the way in (see module docstring)."""

    impl = sa.Text()
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else scrub_nul(value)


def _text(*, nullable: bool = False) -> Any:
    return Field(sa_type=SafeText(), nullable=nullable)


def _when(*, nullable: bool = False) -> Any:
    return Field(sa_type=UtcDateTime(), nullable=nullable)


class Mention(SQLModel, table=True):
    """One post, stored once per (platform, external_id); ``source`` stored it first."""

    __tablename__ = "mention"
    __table_args__ = (
        sa.UniqueConstraint("platform", "external_id", name="uq_mention_platform_external_id"),
        sa.Index("ix_mention_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = _text()
    platform: str = _text()
    external_id: str = _text()
    url: str | None = _text(nullable=True)
    author: str | None = _text(nullable=True)
    title: str = _text()
    text: str = _text()
    created_at: datetime = _when()
    fetched_at: datetime = _when()
    lang: str | None = _text(nullable=True)
    reach: int | None = Field(default=None, sa_type=sa.BigInteger(), nullable=True)
    sentiment_label: str = _text()
    sentiment_score: float = Field(sa_type=sa.Float(), nullable=False)
    sentiment_scored: bool = Field(sa_type=sa.Boolean(), nullable=False)
    topics: list[str] = Field(sa_type=sa.JSON(), nullable=False)
    extra: dict[str, str] = Field(sa_type=sa.JSON(), nullable=False)


class MentionBrand(SQLModel, table=True):
    """A mention counted for a brand, with the outpost it was found on (if any)."""

    __tablename__ = "mention_brand"
    __table_args__ = (
        sa.UniqueConstraint("mention_id", "brand", name="uq_mention_brand_mention_id_brand"),
        sa.Index("ix_mention_brand_brand_created", "brand", "created_epoch_us"),
        # Keyset pagination of history across brands, newest first (0003_web).
        sa.Index("ix_mention_brand_created_id", "created_epoch_us", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("mention.id", ondelete="CASCADE", name="fk_mention_brand_mention_id"),
            nullable=False,
        )
    )
    brand: str = _text()
    outpost: str | None = _text(nullable=True)
    created_epoch_us: int = Field(sa_type=sa.BigInteger(), nullable=False)
    sentiment_label: str = _text()
    reach: int | None = Field(default=None, sa_type=sa.BigInteger(), nullable=True)


class SourceStateRow(SQLModel, table=True):
    """Cursor and health of one source; the cursor is saved with the posts it covers."""

    __tablename__ = "source_state"

    name: str = Field(sa_type=SafeText(), primary_key=True)
    cursor: dict[str, Any] = Field(sa_type=sa.JSON(), nullable=False)
    last_polled: datetime | None = _when(nullable=True)
    last_success: datetime | None = _when(nullable=True)
    last_error: str | None = _text(nullable=True)
    last_error_at: datetime | None = _when(nullable=True)
    rate_limited_until: datetime | None = _when(nullable=True)
    items_fetched: int = Field(sa_type=sa.BigInteger(), nullable=False)
    consecutive_failures: int = Field(sa_type=sa.Integer(), nullable=False)


class Alert(SQLModel, table=True):
    """An alert; at most one is firing per (brand, kind), enforced by a partial unique index."""

    __tablename__ = "alert"
    __table_args__ = (
        sa.Index("ix_alert_state", "state"),
        sa.Index(
            "uq_alert_firing_brand_kind",
            "brand",
            "kind",
            unique=True,
            sqlite_where=sa.text("state = 'firing'"),
            postgresql_where=sa.text("state = 'firing'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    brand: str = _text()
    kind: str = _text()
    severity: str = _text()
    state: str = _text()
    outpost: str | None = _text(nullable=True)
    started_at: datetime = _when()
    fired_at: datetime = _when()
    resolved_at: datetime | None = _when(nullable=True)
    summary: str = _text()
    explanation: dict[str, Any] = Field(sa_type=sa.JSON(), nullable=False)
    acked_at: datetime | None = _when(nullable=True)
    acked_by: str | None = _text(nullable=True)


class Notification(SQLModel, table=True):
    """The outbox: one row per (receiver, event); the idempotency key makes enqueueing and
    downstream deduplication safe to repeat."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.UniqueConstraint("receiver", "idempotency_key", name="uq_notification_receiver_key"),
        sa.Index("ix_notification_state_next", "state", "next_attempt_at"),
        sa.Index("ix_notification_alert", "alert_id"),
        sa.Index("ix_notification_group", "receiver", "group_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    receiver: str = _text()
    group_key: str = _text()
    alert_id: int = Field(
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("alert.id", ondelete="CASCADE", name="fk_notification_alert_id"),
            nullable=False,
        )
    )
    event: str = _text()  # firing | updated | repeat | resolved
    idempotency_key: str = _text()
    severity: str = _text()
    payload: dict[str, Any] = Field(sa_type=sa.JSON(), nullable=False)
    state: str = _text()  # pending | sent | dead
    attempts: int = Field(sa_type=sa.Integer(), nullable=False)
    created_at: datetime = _when()
    due_at: datetime = _when()  # when grouping allows it out; never changes
    next_attempt_at: datetime = _when()  # due_at, then pushed back by retries
    sent_at: datetime | None = _when(nullable=True)
    last_error: str | None = _text(nullable=True)


class Silence(SQLModel, table=True):
    """Mutes alerts whose labels match from ``starts_at`` to ``ends_at``; None matches any."""

    __tablename__ = "silence"

    id: int | None = Field(default=None, primary_key=True)
    brand: str | None = _text(nullable=True)
    kind: str | None = _text(nullable=True)
    outpost: str | None = _text(nullable=True)
    starts_at: datetime = _when()
    ends_at: datetime = _when()
    reason: str = _text()
    created_by: str = _text()


class WebUserRow(SQLModel, table=True):
    """A local user of the web app (0003_web)."""

    __tablename__ = "web_user"
    __table_args__ = (sa.UniqueConstraint("name", name="uq_web_user_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = _text()
    role: str = _text()
    password_hash: str = _text()
    created_at: datetime = _when()


class ApiTokenRow(SQLModel, table=True):
    """An API token of a user: only its SHA-256 is stored (0003_web)."""

    __tablename__ = "api_token"
    __table_args__ = (sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("web_user.id", ondelete="CASCADE", name="fk_api_token_user_id"),
            nullable=False,
        )
    )
    token_hash: str = _text()
    label: str = _text()
    created_at: datetime = _when()


class ReviewStateRow(SQLModel, table=True):
    """Triage state of a (mention, brand); no row means status ``new`` (0003_web)."""

    __tablename__ = "review_state"
    __table_args__ = (sa.Index("ix_review_state_status", "status"),)

    mention_id: int = Field(
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("mention.id", ondelete="CASCADE", name="fk_review_state_mention_id"),
            primary_key=True,
        )
    )
    brand: str = Field(sa_type=SafeText(), primary_key=True)
    status: str = _text()
    assignee: str | None = _text(nullable=True)
    note: str | None = _text(nullable=True)
    updated_at: datetime = _when()
    updated_by: str | None = _text(nullable=True)


def _table(model: type[SQLModel]) -> sa.Table:
    return cast(sa.Table, model.__table__)  # type: ignore[attr-defined]


mention = _table(Mention)
mention_brand = _table(MentionBrand)
source_state = _table(SourceStateRow)
alert = _table(Alert)
web_user = _table(WebUserRow)
api_token = _table(ApiTokenRow)
review_state = _table(ReviewStateRow)
notification = _table(Notification)
silence = _table(Silence)
metadata = SQLModel.metadata
