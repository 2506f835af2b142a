"""Cluster: leader lease, per-source locks, history indexes (issue 8).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

A placeholder until its issue fills it in; the chain is fixed so work on each can proceed apart.
"""

from __future__ import annotations

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
