"""What the CLI prints: mention and alert rows, source health, config and cycle summaries."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from listener.alerting import alert_json
from listener.pipeline import CycleReport
from listener.records import AlertRow, MentionRow, SourceState
from listener.settings import RssSource, Settings, display_url
from listener.sources import plan_sources
from listener.storage import Storage
from listener.times import iso

#: CSV columns of ``listener mentions``; JSON carries every field of ``mention_json``.
MENTION_COLUMNS = (
    "created_at", "brand", "platform", "source", "outpost", "sentiment", "author", "text",
    "url", "topics", "external_id",
)  # fmt: skip
#: The terminal table: what fits on a screen.
MENTION_TABLE = ("created_at", "brand", "where", "sentiment", "author", "text", "url")
MENTION_WIDTHS = {"text": 70, "url": 45, "where": 24, "author": 16}
ALERT_COLUMNS = (
    "id",
    "state",
    "severity",
    "brand",
    "kind",
    "started_at",
    "fired_at",
    "resolved_at",
    "summary",
)
ALERT_WIDTHS = {"summary": 90}
SOURCE_COLUMNS = (
    "source", "kind", "interval", "last_success", "last_error", "rate_limited_until",
    "items_fetched", "failures",
)  # fmt: skip


def mention_json(row: MentionRow) -> dict[str, Any]:
    """A mention as ``listener mentions --format json|jsonl|csv`` prints it (contract fields)."""
    return {
        "id": row.id,
        "source": row.source,
        "platform": row.platform,
        "external_id": row.external_id,
        "url": row.url,
        "author": row.author,
        "text": row.text,
        "created_at": iso(row.created_at),
        "brand": row.brand,
        "outpost": row.outpost,
        "sentiment": {
            "label": row.sentiment_label,
            "score": row.sentiment_score,
            "scored": row.sentiment_scored,
        },
        "topics": list(row.topics),
        "reach": row.reach,
        "lang": row.lang,
        "fetched_at": iso(row.fetched_at),
    }


def mention_table_row(row: MentionRow) -> dict[str, Any]:
    """A mention as one terminal-table row."""
    score = f"{row.sentiment_score:+.2f}" if row.sentiment_scored else "not scored"
    return {
        "created_at": row.created_at.strftime("%Y-%m-%d %H:%M"),
        "brand": row.brand,
        "where": row.outpost or row.platform,
        "sentiment": f"{row.sentiment_label} {score}",
        "author": row.author,
        "text": row.text,
        "url": row.url,
    }


def alert_row(alert: AlertRow) -> dict[str, Any]:
    """An alert as one terminal-table row."""
    data = alert_json(alert)
    return {key: "" if data[key] is None else data[key] for key in ALERT_COLUMNS}


def source_rows(settings: Settings, storage: Storage) -> Iterator[dict[str, Any]]:
    """Configured sources first, then any others the database remembers (the demo's)."""
    states = {s.name: s for s in storage.source_states()}
    kinds = {s.name: (s.kind, str(s.interval)) for s in plan_sources(settings)}
    for name in [*kinds, *(n for n in states if n not in kinds)]:
        kind, interval = kinds.get(name, ("", ""))
        yield _source_row(name, kind, interval, states.get(name))


def _source_row(name: str, kind: str, interval: str, state: SourceState | None) -> dict[str, Any]:
    def when(moment: datetime | None) -> str:
        return iso(moment) if moment else ""

    return {
        "source": name,
        "kind": kind,
        "interval": interval,
        "last_success": when(state.last_success) if state else "",
        "last_error": (state.last_error or "") if state else "",
        "rate_limited_until": when(state.rate_limited_until) if state else "",
        "items_fetched": state.items_fetched if state else 0,
        "failures": state.consecutive_failures if state else 0,
    }


def config_summary(settings: Settings) -> str:
    lines = [f"storage: {display_url(settings.storage.url)}"]
    for b in settings.brands:
        lines.append(
            f"brand {b.name}: {len(b.keywords)} keywords, {len(b.exclude)} exclusions, "
            f"outposts: {', '.join(b.outposts) or 'none'}"
        )
    for s in plan_sources(settings):
        extra = f", {len(s.feeds)} feeds" if isinstance(s, RssSource) else ""
        lines.append(f"source {s.name}: {s.kind} every {s.interval}{extra}")
    lines.append(
        "receivers: " + ", ".join(f"{r.name} ({r.kind})" for r in settings.alerts.receivers)
    )
    return "\n".join(lines)


def print_cycle(report: CycleReport) -> None:
    """One line per source on stdout; each problem on stderr, naming its source."""
    for o in report.outcomes:
        print(f"{o.source}: {o.status}, {o.fetched} fetched, {o.kept} kept, {o.new} new")
        for message in o.messages:
            print(f"{o.source}: {message}", file=sys.stderr)
    for event in report.events:
        print(f"alert {event.event}: {event.alert.summary}")
