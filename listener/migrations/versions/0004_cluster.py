"""Cluster: nothing to create (issue 8).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Cluster mode keeps its coordination out of the schema: the scheduler's leadership and the
per-source locks are PostgreSQL session advisory locks (``listener.cluster.locks``), which die
with the session that holds them, so there is no lease row to expire or sweep. Retention deletes
by ``mention.created_at`` (``ix_mention_created_at``) and links by ``mention_brand.mention_id``
(the leading column of ``uq_mention_brand_mention_id_brand``), both indexed since 0001.
The revision stays in the chain so later migrations need not renumber.
"""

from __future__ import annotations

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """No schema change (see the module docstring)."""


def downgrade() -> None:
    """No schema change."""
