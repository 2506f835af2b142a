"""Alerting: silences, notification outbox, acknowledgements (issue 6).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Types are spelled out here (not imported from the app) so this revision never changes when the
models do.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def upgrade() -> None:
    """Ack columns on alert; the notification outbox; silences."""
    op.add_column("alert", _when("acked_at", nullable=True))
    op.add_column("alert", _text("acked_by", nullable=True))
    _create_notification()
    op.create_table(
        "silence",
        sa.Column("id", sa.Integer(), primary_key=True),
        *(_text(name, nullable=True) for name in ("brand", "kind", "outpost")),
        _when("starts_at"),
        _when("ends_at"),
        _text("reason"),
        _text("created_by"),
    )


def _create_notification() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), primary_key=True),
        _text("receiver"),
        _text("group_key"),
        sa.Column(
            "alert_id",
            sa.Integer(),
            sa.ForeignKey("alert.id", ondelete="CASCADE", name="fk_notification_alert_id"),
            nullable=False,
        ),
        *(_text(name) for name in ("event", "idempotency_key", "severity")),
        sa.Column("payload", sa.JSON(), nullable=False),
        _text("state"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        *(_when(name) for name in ("created_at", "due_at", "next_attempt_at")),
        _when("sent_at", nullable=True),
        _text("last_error", nullable=True),
        sa.UniqueConstraint("receiver", "idempotency_key", name="uq_notification_receiver_key"),
    )
    op.create_index("ix_notification_state_next", "notification", ["state", "next_attempt_at"])
    op.create_index("ix_notification_alert", "notification", ["alert_id"])
    op.create_index("ix_notification_group", "notification", ["receiver", "group_key"])


def downgrade() -> None:
    """Drop everything ``upgrade`` created."""
    op.drop_table("silence")
    op.drop_table("notification")
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("acked_by")
        batch.drop_column("acked_at")
