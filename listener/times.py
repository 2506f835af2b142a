"""Times as users and files write them: ISO 8601 in, ISO 8601 UTC with ``Z`` out."""

from __future__ import annotations

from datetime import UTC, datetime

from listener.settings import parse_duration


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (``Z`` allowed) as an aware datetime, UTC when it names no offset;
    raises ValueError when ``text`` is not one. A given offset is kept."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_since(text: str, now: datetime) -> datetime:
    """An ISO 8601 time, or a duration meaning that long before ``now`` ("24h", "7d");
    raises ValueError when ``text`` is neither."""
    try:
        return now - parse_duration(text)
    except ValueError:
        return parse_time(text)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC, with ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
