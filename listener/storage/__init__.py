"""Storage façade: the same code on SQLite and PostgreSQL, migrated by Alembic.

Every write is one transaction and idempotent; times are timezone-aware UTC in and out.
Caller bugs (a naive datetime, a cursor that is not JSON) raise ``ValueError`` before anything
is written; database failures raise ``StorageError``. Domain modules
(``mentions``, ``sources``, ``alerts``) hold the SQL; this class only opens transactions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from listener.records import (
    AlertRow,
    BucketCount,
    MentionFilter,
    MentionRow,
    NewAlert,
    NewMention,
    PollHealth,
    SourceState,
)
from listener.storage import alerts, mentions, retention, sources
from listener.storage import tables as t
from listener.storage.engine import create_engine
from listener.storage.errors import StorageError, translate_errors
from listener.storage.mentions import StoreResult, store_mentions
from listener.storage.retention import RETENTION_BATCH

__all__ = ["Storage", "StorageError", "StoreResult"]

KNOWN_CHUNK = 500  # ids per IN (...) list: well under every driver's parameter limit
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class Storage:
    """Mentions, source cursors and alerts in one database (``sqlite:///...`` or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)

    @contextmanager
    def _write(self, operation: str) -> Iterator[Connection]:
        with translate_errors(operation), self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self, operation: str) -> Iterator[Connection]:
        with translate_errors(operation), self._engine.connect() as conn:
            yield conn

    def upgrade(self) -> None:
        """Apply the Alembic migrations shipped in ``listener/migrations`` up to head."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._write("upgrade") as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def current_revision(self) -> str | None:
        """The applied Alembic revision, None for an empty database."""
        with self._read("current_revision") as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    # mentions

    def store_poll(
        self,
        source: str,
        mentions: Sequence[NewMention],
        cursor: Mapping[str, Any],
        health: PollHealth,
    ) -> StoreResult:
        """Upsert the mentions and save cursor and health in ONE transaction (crash-safe)."""
        with self._write("store_poll") as conn:
            result = store_mentions(conn, mentions, health.polled_at)
            sources.save_poll(conn, source, cursor, health)
        return result

    def query_mentions(self, f: MentionFilter) -> list[MentionRow]:
        """Mentions matching ``f``, newest first, one row per (mention, brand)."""
        stmt = mentions.select_mentions(f)
        with self._read("query_mentions") as conn:
            return mentions.to_rows(conn.execute(stmt).mappings())

    def iter_mentions(self, f: MentionFilter) -> Iterator[MentionRow]:
        """Like ``query_mentions`` but streamed in batches, for exports of any size."""
        with self._read("iter_mentions") as conn:
            yield from mentions.stream_mentions(conn, f)

    def bucket_counts(
        self, brand: str, since: datetime, until: datetime, bucket: timedelta
    ) -> list[BucketCount]:
        """Non-empty buckets of ``brand``'s mentions, starts aligned to multiples of ``bucket``
        since the Unix epoch: all and negative mentions and their summed reach."""
        stmt, origin, width = mentions.bucket_counts_query(brand, since, until, bucket)
        with self._read("bucket_counts") as conn:
            found = conn.execute(stmt).all()
        return [
            BucketCount(
                start=mentions.bucket_start(origin, width, int(idx)),
                total=int(total),
                negative=int(negative),
                reach=int(reach),
            )
            for idx, total, negative, reach in found
        ]

    def top_mentions(
        self,
        brand: str,
        since: datetime,
        until: datetime,
        limit: int = 5,
        negative_only: bool = False,
    ) -> list[MentionRow]:
        """``brand``'s mentions on its outposts first, then by reach, widest first."""
        stmt = mentions.select_top(brand, since, until, limit, negative_only)
        with self._read("top_mentions") as conn:
            return mentions.to_rows(conn.execute(stmt).mappings())

    def mention_texts(
        self, brand: str, since: datetime, until: datetime, limit: int = 5000
    ) -> list[str]:
        """The newest ``limit`` texts of ``brand``'s mentions in the window."""
        stmt = mentions.select_texts(brand, since, until, limit)
        with self._read("mention_texts") as conn:
            return list(conn.execute(stmt).scalars())

    def mention_topics(
        self, brand: str, since: datetime, until: datetime, limit: int = 5000
    ) -> list[str]:
        """The topics of ``brand``'s newest ``limit`` mentions in the window, flattened."""
        stmt = mentions.select_topics(brand, since, until, limit)
        with self._read("mention_topics") as conn:
            return [topic for topics in conn.execute(stmt).scalars() for topic in topics]

    def known_links(
        self, platform: str, external_ids: Sequence[str]
    ) -> set[tuple[str, str, str | None]]:
        """(external_id, brand, outpost) already stored for these posts of ``platform``."""
        found: set[tuple[str, str, str | None]] = set()
        with self._read("known_links") as conn:
            for start in range(0, len(external_ids), KNOWN_CHUNK):
                chunk = external_ids[start : start + KNOWN_CHUNK]
                stmt = mentions.select_known_links(platform, chunk)
                found.update((e, b, o) for e, b, o in conn.execute(stmt))
        return found

    def count_mentions(self) -> int:
        """How many distinct mentions are stored."""
        with self._read("count_mentions") as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t.mention)).scalar_one())

    # sources

    def load_cursor(self, source: str) -> dict[str, Any]:
        """The cursor saved by the last successful poll, ``{}`` when never polled."""
        with self._read("load_cursor") as conn:
            return sources.load_cursor(conn, source)

    def record_failure(self, source: str, health: PollHealth) -> None:
        """Record a failed poll: the cursor is kept, consecutive failures counted."""
        with self._write("record_failure") as conn:
            sources.record_failure(conn, source, health)

    def source_states(self) -> list[SourceState]:
        """Cursor and health of every source ever polled, by name."""
        with self._read("source_states") as conn:
            return sources.source_states(conn)

    def source_state(self, source: str) -> SourceState | None:
        """Cursor and health of one source, None when never polled."""
        with self._read("source_state") as conn:
            found = sources.source_states(conn, source)
        return found[0] if found else None

    # alerts

    def open_alert(self, alert: NewAlert) -> AlertRow:
        """Store a firing alert; returns the one already firing for its brand and kind, if any."""
        with self._write("open_alert") as conn:
            return alerts.open_alert(conn, alert)

    def firing_alert(self, brand: str, kind: str) -> AlertRow | None:
        """The alert firing for ``brand`` and ``kind``, if any."""
        with self._read("firing_alert") as conn:
            return alerts.firing_alert(conn, brand, kind)

    def update_alert(
        self, alert_id: int, *, severity: str, summary: str, explanation: Mapping[str, Any]
    ) -> None:
        """Refresh an alert's severity, summary and explanation."""
        with self._write("update_alert") as conn:
            alerts.update_alert(
                conn, alert_id, severity=severity, summary=summary, explanation=explanation
            )

    def resolve_alert(self, alert_id: int, resolved_at: datetime) -> None:
        """Mark an alert resolved (idempotent: the first ``resolved_at`` stays)."""
        with self._write("resolve_alert") as conn:
            alerts.resolve_alert(conn, alert_id, resolved_at)

    def list_alerts(
        self, state: Literal["firing", "resolved", "all"] = "all", limit: int = 100
    ) -> list[AlertRow]:
        """Alerts newest first, optionally only firing or only resolved ones."""
        with self._read("list_alerts") as conn:
            return alerts.list_alerts(conn, state, limit)

    # cluster: retention (issue 8)

    def delete_mentions_before(self, cutoff: datetime, batch: int = RETENTION_BATCH) -> int:
        """Delete every mention created before ``cutoff`` (and its brand links), one batch per
        transaction; return how many were deleted."""
        deleted = 0
        while True:
            with self._write("delete_mentions_before") as conn:
                count = retention.delete_batch(conn, cutoff, batch)
            deleted += count
            if count < batch:
                return deleted
