"""Storage façade: the same code on SQLite and PostgreSQL, migrated by Alembic.

Every write is one transaction and idempotent; times are timezone-aware UTC in and out.
Caller bugs (a naive datetime, a cursor that is not JSON) raise ``ValueError`` before anything
is written; database failures raise ``StorageError``. Domain modules
(``mentions``, ``sources``, ``alerts``) hold the SQL; this class only opens transactions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
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
    NewNotification,
    NewSilence,
    NotificationRow,
    PollHealth,
    QueueFilter,
    QueueItem,
    Review,
    Role,
    SearchPage,
    SearchQuery,
    SilenceRow,
    SourceState,
    WebUser,
)
from listener.storage import alerts, mentions, notifications, retention, search, sources, web
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

    # alerting (issue 6): acknowledgements, the notification outbox, silences

    def ack_alert(self, alert_id: int, by: str, now: datetime) -> bool:
        """Acknowledge an alert (no more repeats); False if it was acknowledged already."""
        with self._write("ack_alert") as conn:
            return alerts.ack_alert(conn, alert_id, by, now)

    def get_alert(self, alert_id: int) -> AlertRow | None:
        """One alert by id, None if there is none."""
        with self._read("get_alert") as conn:
            return alerts.get_alert(conn, alert_id)

    def live_alerts(self, resolved_since: datetime) -> list[AlertRow]:
        """Firing alerts and those resolved since ``resolved_since``, oldest first."""
        with self._read("live_alerts") as conn:
            return alerts.live_alerts(conn, resolved_since)

    def last_fetched(self, source: str) -> datetime | None:
        """When ``source`` last stored a new mention, None if never."""
        with self._read("last_fetched") as conn:
            return alerts.last_fetched(conn, source)

    def enqueue_notifications(self, items: Sequence[NewNotification], now: datetime) -> int:
        """Add outbox rows in one transaction; rows already there are kept as they are."""
        with self._write("enqueue_notifications") as conn:
            return notifications.enqueue(conn, items, now)

    def notifications_for(self, alert_ids: Sequence[int]) -> list[NotificationRow]:
        """Every outbox row of these alerts, oldest first."""
        with self._read("notifications_for") as conn:
            return notifications.for_alerts(conn, alert_ids)

    def group_flushes(self) -> dict[tuple[str, str], datetime]:
        """The latest scheduled time of each (receiver, group key)."""
        with self._read("group_flushes") as conn:
            return notifications.group_due(conn)

    def due_notifications(self, now: datetime, limit: int = 100) -> list[NotificationRow]:
        """Pending outbox rows due by ``now``."""
        with self._read("due_notifications") as conn:
            return notifications.due(conn, now, limit)

    def mark_sent(self, row_id: int, now: datetime) -> bool:
        """Record a delivery; False if the row was not pending any more."""
        with self._write("mark_sent") as conn:
            return notifications.mark_sent(conn, row_id, now)

    def mark_failed(self, row_id: int, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt; ``retry_at`` None marks the row dead."""
        with self._write("mark_failed") as conn:
            notifications.mark_failed(conn, row_id, error, retry_at)

    def defer_receiver(self, receiver: str, until: datetime) -> None:
        """Hold every pending row of ``receiver`` until ``until``."""
        with self._write("defer_receiver") as conn:
            notifications.defer_receiver(conn, receiver, until)

    def list_notifications(
        self, state: str | None = None, limit: int = 100
    ) -> list[NotificationRow]:
        """Outbox rows newest first."""
        with self._read("list_notifications") as conn:
            return notifications.list_rows(conn, state, limit)

    def add_silence(self, silence: NewSilence) -> SilenceRow:
        """Store a silence."""
        with self._write("add_silence") as conn:
            return notifications.add_silence(conn, silence)

    def silences(self, now: datetime, include_expired: bool = False) -> list[SilenceRow]:
        """Silences not yet ended at ``now`` (or all of them), newest first."""
        with self._read("silences") as conn:
            return notifications.silences(conn, now, include_expired)

    def expire_silence(self, silence_id: int, now: datetime) -> bool:
        """End a silence now; False if unknown or already ended."""
        with self._write("expire_silence") as conn:
            return notifications.expire_silence(conn, silence_id, now)

    # web app (issue 7): users, API tokens, review queue, history search

    def save_user(self, name: str, role: Role, password_hash: str, now: datetime) -> None:
        """Create a web user, or replace the role and password of an existing one."""
        with self._write("save_user") as conn:
            web.upsert_user(conn, name, role, password_hash, now)

    def get_user(self, *, name: str | None = None, user_id: int | None = None) -> WebUser | None:
        """The user with that name (or id), None if unknown."""
        with self._read("get_user") as conn:
            return web.get_user(conn, name=name, user_id=user_id)

    def list_users(self) -> list[WebUser]:
        """Every web user, by name."""
        with self._read("list_users") as conn:
            return web.list_users(conn)

    def add_api_token(self, user_id: int, token: str, label: str, now: datetime) -> None:
        """Store an API token for a user (only its digest is kept)."""
        with self._write("add_api_token") as conn:
            web.add_token(conn, user_id, token, label, now)

    def user_by_token(self, token: str) -> WebUser | None:
        """The owner of an API token, None if the token is unknown."""
        with self._read("user_by_token") as conn:
            return web.user_by_token(conn, token)

    def set_reviews(self, keys: Sequence[tuple[int, str]], review: Review, now: datetime) -> int:
        """Set the triage state of these (mention id, brand); returns how many exist."""
        with self._write("set_reviews") as conn:
            return web.set_reviews(conn, keys, review, now)

    def review_queue(self, f: QueueFilter) -> list[QueueItem]:
        """The review queue: outpost mentions first, newest first, with triage state."""
        with self._read("review_queue") as conn:
            return [web.to_queue_item(r) for r in conn.execute(web.select_queue(f)).mappings()]

    def status_counts(self, f: QueueFilter) -> dict[str, int]:
        """Queue rows per triage status (``new`` included), under ``f``'s other filters."""
        unfiltered = replace(f, status=None)
        with self._read("status_counts") as conn:
            found = conn.execute(web.select_status_counts(unfiltered)).all()
        return {str(status): int(n) for status, n in found}

    def search_history(self, q: SearchQuery) -> SearchPage:
        """One page of history matching ``q``, newest first, with the cursor of the next."""
        with self._read("search_history") as conn:
            dialect = conn.dialect.name
            probe = bool(search.words(q.text)) and bool(q.limit)
            if probe:  # common words: walk newest first and probe; rare words: collect, sort
                cap = search.PROBE_ABOVE[dialect]
                count = search.count_matches(dialect, q.text or "", cap)
                probe = conn.execute(count).scalar() == cap
            stmt = search.select_history(dialect, q, probe)
            found = [search.to_history_row(r) for r in conn.execute(stmt).mappings()]
        more = q.limit is not None and len(found) > q.limit
        page = found[: q.limit] if more else found
        return SearchPage(tuple(row for row, _ in page), page[-1][1] if more else None)

    def iter_history(self, q: SearchQuery) -> Iterator[MentionRow]:
        """Every row matching ``q`` (its limit and cursor too), streamed in batches."""
        with self._read("iter_history") as conn:
            stmt = search.select_history(conn.dialect.name, replace(q, limit=None))
            result = conn.execution_options(yield_per=mentions.STREAM_BATCH).execute(stmt)
            for row in result.mappings():
                yield search.to_history_row(row)[0]

    def volume_by_sentiment(
        self, brand: str | None, since: datetime, until: datetime, bucket: timedelta
    ) -> list[tuple[datetime, str, str, int]]:
        """(bucket start, brand, sentiment, mentions) in the window, for history charts."""
        stmt, origin, width = search.select_volume(brand, since, until, bucket)
        with self._read("volume_by_sentiment") as conn:
            found = conn.execute(stmt).all()
        return [
            (mentions.bucket_start(origin, width, int(i)), str(br), str(s), int(n))
            for i, br, s, n in found
        ]

    def brands(self) -> list[str]:
        """Every brand with stored mentions."""
        with self._read("brands") as conn:
            return list(conn.execute(search.select_brands()).scalars())

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
