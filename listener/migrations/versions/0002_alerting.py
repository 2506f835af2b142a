"""Alerting: silences, notification outbox, acknowledgements (issue 6).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

A placeholder until its issue fills it in; the chain is fixed so work on each can proceed apart.
"""

from __future__ import annotations

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
