"""Retention: delete mentions created before a cutoff, with their brand links, in batches.

Each batch is its own short transaction, so a large purge never holds long locks and can be
interrupted at any point without harm (the next run picks up where this one stopped).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from listener.storage import tables as t
from listener.storage.tables import require_utc

RETENTION_BATCH = 1000


def delete_batch(conn: Connection, cutoff: datetime, limit: int = RETENTION_BATCH) -> int:
    """Delete up to ``limit`` mentions created before ``cutoff``, their brand links and review
    states; return how many.

    Links are deleted explicitly rather than by ``ON DELETE CASCADE``: SQLite enforces foreign
    keys only when the connection asked for it, and this must not depend on that.
    """
    created = t.mention.c.created_at
    oldest = (
        sa.select(t.mention.c.id)
        .where(created < require_utc(cutoff, "cutoff"))
        .order_by(created)
        .limit(limit)
    )
    ids = list(conn.execute(oldest).scalars())
    if not ids:
        return 0
    for dependent in (t.review_state, t.mention_brand):  # every table that points at mention
        conn.execute(sa.delete(dependent).where(dependent.c.mention_id.in_(ids)))
    conn.execute(sa.delete(t.mention).where(t.mention.c.id.in_(ids)))
    return len(ids)
