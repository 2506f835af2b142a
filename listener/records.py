"""Frozen records passed between the pipeline, storage, CLI and web: no ORM objects leak."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SentimentLabel = Literal["positive", "neutral", "negative"]
AlertState = Literal["firing", "resolved"]


@dataclass(frozen=True)
class BrandLink:
    """A mention counts for ``brand``; ``outpost`` is set when posted on one of its outposts."""

    brand: str
    outpost: str | None = None


@dataclass(frozen=True)
class NewMention:
    """A post after matching and analysis, ready to upsert."""

    source: str
    platform: str
    external_id: str
    text: str
    created_at: datetime
    brands: tuple[BrandLink, ...]
    url: str | None = None
    author: str | None = None
    title: str = ""
    reach: int | None = None
    lang: str | None = None
    sentiment_label: SentimentLabel = "neutral"
    sentiment_score: float = 0.0
    sentiment_scored: bool = True  # False for languages VADER cannot score
    topics: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MentionRow:
    """One (mention, brand) pair as listed by ``listener mentions``."""

    id: int
    source: str
    platform: str
    external_id: str
    url: str | None
    author: str | None
    text: str
    created_at: datetime
    brand: str
    outpost: str | None
    sentiment_label: SentimentLabel
    sentiment_score: float
    sentiment_scored: bool
    topics: tuple[str, ...]
    reach: int | None
    lang: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class MentionFilter:
    """Filters of ``listener mentions``; None means no filter. Newest first."""

    brand: str | None = None
    source: str | None = None
    platform: str | None = None
    outpost: str | None = None
    sentiment: SentimentLabel | None = None
    since: datetime | None = None
    until: datetime | None = None
    query: str | None = None  # case-insensitive substring of the text
    limit: int | None = 100


@dataclass(frozen=True)
class PollHealth:
    """How the last poll of a source went."""

    polled_at: datetime
    fetched: int = 0
    error: str | None = None  # None on success; set for partial failures too
    rate_limited_until: datetime | None = None


@dataclass(frozen=True)
class SourceState:
    name: str
    cursor: Mapping[str, Any]
    last_polled: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    rate_limited_until: datetime | None
    items_fetched: int  # total over the source's life
    consecutive_failures: int


@dataclass(frozen=True)
class BucketCount:
    """Per-brand counts for one time bucket starting at ``start``."""

    start: datetime
    total: int
    negative: int
    reach: int


@dataclass(frozen=True)
class NewAlert:
    brand: str
    kind: str  # "flash_revolt", later "source_silent", ...
    severity: str  # "warning" | "critical"
    started_at: datetime  # onset of the anomaly (bucket start)
    fired_at: datetime
    summary: str  # one line: what happened
    explanation: Mapping[str, Any]  # why it fired, top posts, series: JSON-serialisable
    outpost: str | None = None


@dataclass(frozen=True)
class AlertRow:
    id: int
    brand: str
    kind: str
    severity: str
    state: AlertState
    started_at: datetime
    fired_at: datetime
    resolved_at: datetime | None
    summary: str
    explanation: Mapping[str, Any]
    outpost: str | None
    acked_at: datetime | None = None
    acked_by: str | None = None


@dataclass(frozen=True)
class AlertEvent:
    """An alert started firing or was resolved (what ``run_once`` reports)."""

    event: Literal["firing", "resolved"]
    alert: AlertRow


@dataclass(frozen=True)
class NewSilence:
    """Mute alerts matching every given label (None matches any) until ``ends_at``."""

    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str
    brand: str | None = None
    kind: str | None = None
    outpost: str | None = None


@dataclass(frozen=True)
class SilenceRow(NewSilence):
    id: int = 0

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def matches(self, alert: AlertRow) -> bool:
        """True when every label this silence names equals the alert's."""
        wanted = {"brand": self.brand, "kind": self.kind, "outpost": self.outpost}
        return all(v is None or getattr(alert, k) == v for k, v in wanted.items())


NotificationState = Literal["pending", "sent", "dead"]


@dataclass(frozen=True)
class NewNotification:
    """An outbox row to enqueue: one event of one alert for one receiver."""

    receiver: str
    group_key: str
    alert_id: int
    event: str  # firing | updated | repeat | resolved
    idempotency_key: str
    severity: str
    due_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NotificationRow(NewNotification):
    id: int = 0
    state: NotificationState = "pending"
    attempts: int = 0
    created_at: datetime | None = None
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None


# web app (issue 7)

Role = Literal["viewer", "manager", "admin"]
ReviewStatus = Literal["new", "in_progress", "engaged", "ignored"]
ROLES: tuple[Role, ...] = ("viewer", "manager", "admin")
REVIEW_STATUSES: tuple[ReviewStatus, ...] = ("new", "in_progress", "engaged", "ignored")


@dataclass(frozen=True)
class WebUser:
    """A local user of the web app; ``password_hash`` is an argon2 hash."""

    id: int
    name: str
    role: Role
    password_hash: str
    created_at: datetime


@dataclass(frozen=True)
class Review:
    """Triage state of one (mention, brand); a mention never triaged is ``new``."""

    status: ReviewStatus = "new"
    assignee: str | None = None
    note: str | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None


@dataclass(frozen=True)
class QueueItem:
    """A row of the review queue: the mention as counted for a brand, and its triage state."""

    mention: MentionRow
    review: Review


@dataclass(frozen=True)
class QueueFilter:
    """Filters of the review queue; None means any. Outpost mentions first, then newest."""

    brand: str | None = None
    outpost: str | None = None
    platform: str | None = None
    sentiment: SentimentLabel | None = None
    topic: str | None = None
    status: ReviewStatus | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class SearchQuery:
    """A history search: full text (all words) plus filters; ``after`` is a keyset cursor."""

    text: str | None = None
    brand: str | None = None
    platform: str | None = None
    sentiment: SentimentLabel | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: str | None = None  # opaque cursor from SearchPage.next_cursor
    limit: int | None = 50  # None: every row (exports)


@dataclass(frozen=True)
class SearchPage:
    """One page of history, newest first; ``next_cursor`` is None on the last page."""

    rows: tuple[MentionRow, ...]
    next_cursor: str | None
