"""Web app: users, API tokens, review queue state, full-text search (issue 7).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

A placeholder until its issue fills it in; the chain is fixed so work on each can proceed apart.
"""

from __future__ import annotations

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
