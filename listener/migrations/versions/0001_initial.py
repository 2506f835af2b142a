"""Initial schema: mention, mention_brand, source_state, alert.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Types are spelled out here (not imported from the app) so this revision never changes when the
models do. ``tests/test_storage_migrations.py`` checks the models still match head.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

FIRING = sa.text("state = 'firing'")


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def upgrade() -> None:
    """Create the four tables and the indexes the queries use."""
    _create_mention()
    _create_mention_brand()
    _create_source_state()
    _create_alert()


def downgrade() -> None:
    """Drop everything ``upgrade`` created."""
    for table in ("alert", "source_state", "mention_brand", "mention"):
        op.drop_table(table)


def _create_mention() -> None:
    op.create_table(
        "mention",
        sa.Column("id", sa.Integer(), primary_key=True),
        *(_text(name) for name in ("source", "platform", "external_id")),
        _text("url", nullable=True),
        _text("author", nullable=True),
        _text("title"),
        _text("text"),
        _when("created_at"),
        _when("fetched_at"),
        _text("lang", nullable=True),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        _text("sentiment_label"),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("sentiment_scored", sa.Boolean(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.UniqueConstraint("platform", "external_id", name="uq_mention_platform_external_id"),
    )
    op.create_index("ix_mention_created_at", "mention", ["created_at"])


def _create_mention_brand() -> None:
    op.create_table(
        "mention_brand",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "mention_id",
            sa.Integer(),
            sa.ForeignKey("mention.id", ondelete="CASCADE", name="fk_mention_brand_mention_id"),
            nullable=False,
        ),
        _text("brand"),
        _text("outpost", nullable=True),
        sa.Column("created_epoch_us", sa.BigInteger(), nullable=False),
        _text("sentiment_label"),
        sa.Column("reach", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("mention_id", "brand", name="uq_mention_brand_mention_id_brand"),
    )
    op.create_index(
        "ix_mention_brand_brand_created", "mention_brand", ["brand", "created_epoch_us"]
    )


def _create_source_state() -> None:
    op.create_table(
        "source_state",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("cursor", sa.JSON(), nullable=False),
        _when("last_polled", nullable=True),
        _when("last_success", nullable=True),
        _text("last_error", nullable=True),
        _when("last_error_at", nullable=True),
        _when("rate_limited_until", nullable=True),
        sa.Column("items_fetched", sa.BigInteger(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
    )


def _create_alert() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        *(_text(name) for name in ("brand", "kind", "severity", "state")),
        _text("outpost", nullable=True),
        _when("started_at"),
        _when("fired_at"),
        _when("resolved_at", nullable=True),
        _text("summary"),
        sa.Column("explanation", sa.JSON(), nullable=False),
    )
    op.create_index("ix_alert_state", "alert", ["state"])
    # At most one firing alert per (brand, kind): open_alert relies on it to be idempotent.
    op.create_index(
        "uq_alert_firing_brand_kind",
        "alert",
        ["brand", "kind"],
        unique=True,
        sqlite_where=FIRING,
        postgresql_where=FIRING,
    )
