"""Pure helpers shared by pages and API: parsing filters, alert marks, chart series, export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from listener.records import (
    REVIEW_STATUSES,
    AlertRow,
    MentionRow,
    NewSilence,
    ReviewStatus,
    SentimentLabel,
)
from listener.times import iso, parse_since, parse_time

SENTIMENTS = ("positive", "neutral", "negative")
CSV_COLUMNS = (
    "created_at", "brand", "platform", "source", "outpost", "sentiment", "author", "text",
    "url", "topics", "external_id",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def opt(value: str | None) -> str | None:
    """A form or query value, None when empty."""
    value = (value or "").strip()
    return value or None


def sentiment(value: str | None) -> SentimentLabel | None:
    """A sentiment filter, None when empty or not a label."""
    return cast(SentimentLabel, value) if value in SENTIMENTS else None


def status(value: str | None) -> ReviewStatus | None:
    """A review status filter, None when empty or unknown."""
    return value if value in REVIEW_STATUSES else None


def moment(value: str | None, now: datetime) -> datetime | None:
    """An ISO date/time (UTC unless it says otherwise) or a duration ago ("7d"); None if bad."""
    value = opt(value)
    if value is None:
        return None
    try:
        return parse_since(value, now)
    except ValueError:
        return None


def parse_key(value: str) -> tuple[int, str] | None:
    """A queue row key ``"<mention id>:<brand>"``; None if malformed."""
    mention_id, sep, brand = value.partition(":")
    if not (sep and mention_id.isdigit() and brand):
        return None
    return int(mention_id), brand


def _alert_window(alert: AlertRow) -> tuple[datetime, datetime]:
    window = alert.explanation.get("window") or {}
    end = alert.resolved_at or alert.fired_at
    try:
        end = parse_time(str(window["end"]))
    except (KeyError, ValueError):
        end = end + timedelta(minutes=5)
    return alert.started_at, max(end, alert.fired_at)


def alert_marks(rows: Iterable[MentionRow], alerts: Sequence[AlertRow]) -> dict[int, int]:
    """Mention id -> id of an alert whose spike it was part of (same brand, in its window)."""
    windows = [(a.id, a.brand, *_alert_window(a)) for a in alerts]
    marks: dict[int, int] = {}
    for row in rows:
        for alert_id, brand, start, end in windows:
            if row.brand == brand and start <= row.created_at < end:
                marks[row.id] = alert_id
                break
    return marks


def neutralise_formula(value: str) -> str:
    """Prefix a CSV cell a spreadsheet would run as a formula with ``'``."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_cell(value: Any) -> str:
    if isinstance(value, dict | list | tuple):
        value = json.dumps(value, ensure_ascii=False)
    return neutralise_formula("" if value is None else str(value))


def csv_chunks(rows: Iterable[Mapping[str, Any]], batch: int = 500) -> Iterator[str]:
    """CSV text in chunks of ``batch`` rows: constant memory for any number of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for count, row in enumerate(rows, 1):
        flat = {**row, "sentiment": row["sentiment"]["label"]}
        writer.writerow([_csv_cell(flat.get(c)) for c in CSV_COLUMNS])
        if count % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_chunks(rows: Iterable[Mapping[str, Any]], batch: int = 500) -> Iterator[str]:
    """JSON Lines in chunks of ``batch`` rows."""
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        if len(lines) == batch:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def pivot_volume(
    counts: Iterable[tuple[datetime, str, str, int]], starts: Sequence[datetime]
) -> dict[str, dict[str, list[float]]]:
    """brand -> {"total", "negative", "positive"} -> one value per bucket of ``starts``."""
    index = {start: i for i, start in enumerate(starts)}
    out: dict[str, dict[str, list[float]]] = {}
    for start, brand, label, n in counts:
        series = out.setdefault(
            brand, {k: [0.0] * len(starts) for k in ("total", "negative", "positive")}
        )
        i = index.get(start)
        if i is None:
            continue
        series["total"][i] += n
        if label in ("negative", "positive"):
            series[label][i] += n
    return out


def bucket_starts(since: datetime, until: datetime, bucket: timedelta) -> list[datetime]:
    """Epoch-aligned bucket starts covering ``[since, until)``."""
    width = bucket.total_seconds()
    first = datetime.fromtimestamp(since.timestamp() // width * width, UTC)
    count = int((until - first) / bucket) + 1
    return [first + i * bucket for i in range(min(count, 1000))]


def iso_or_none(value: datetime | None) -> str | None:
    """ISO 8601 UTC, or None."""
    return None if value is None else iso(value)


def silence_for(alert: AlertRow, now: datetime, hours: float, reason: str, by: str) -> NewSilence:
    """A silence matching ``alert``'s brand and kind (and outpost, if it has one)."""
    return NewSilence(
        starts_at=now,
        ends_at=now + timedelta(hours=hours),
        reason=reason,
        created_by=by,
        brand=alert.brand,
        kind=alert.kind,
        outpost=alert.outpost,
    )
