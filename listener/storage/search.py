"""History search: full text per dialect, filters, keyset pagination, and chart aggregates.

Full text uses what ``0003_web`` created: FTS5's ``mention_fts`` on SQLite, the GIN index on
``to_tsvector('simple', text)`` on PostgreSQL. Every word of the query must appear (any case);
the words are quoted, so FTS5 and tsquery operators typed by a user are plain text.

Pages are keyset-paginated on ``mention_brand (created_epoch_us, id)`` newest first, so page
1000 costs what page 1 costs; the cursor is ``"<epoch µs>.<link id>"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from listener.records import MentionRow, SearchQuery
from listener.storage import mentions
from listener.storage import tables as t
from listener.storage.tables import epoch_us

#: Matches beyond which a page is found by walking rows newest first and testing each; below it,
#: the full-text index collects every match and they are sorted (fast for rare words).
PROBE_ABOVE = {"sqlite": 5000, "postgresql": 2000}
_WORD = re.compile(r"\w+", re.UNICODE)
_CURSOR = re.compile(r"^(-?\d{1,20})\.(\d{1,20})$")


def words(text: str | None) -> list[str]:
    """The searchable words of a user's query (punctuation and operators dropped)."""
    return _WORD.findall(text or "")[:16]


def parse_cursor(cursor: str) -> tuple[int, int]:
    """``(epoch µs, link id)`` of a cursor; ValueError if it is not one of ours."""
    match = _CURSOR.match(cursor)
    if not match:
        raise ValueError(f"not a history cursor: {cursor[:40]!r}")
    return int(match.group(1)), int(match.group(2))


def make_cursor(created_epoch_us: int, link_id: int) -> str:
    """The cursor that continues after this row."""
    return f"{created_epoch_us}.{link_id}"


def has_topic(topic: str) -> sa.ColumnElement[bool]:
    """The mention's JSON topic list holds ``topic`` (same text test on both dialects)."""
    import json

    quoted = json.dumps(topic)  # how the element is spelled inside the stored JSON list
    return sa.cast(t.mention.c.topics, sa.Text).contains(quoted, autoescape=True)


def fts5_expression(text: str) -> str:
    """Each word a quoted FTS5 string: AND of words, no operator or column filter injectable."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words(text))


def count_matches(dialect: str, text: str, cap: int) -> sa.Select[Any]:
    """How many mentions match every word of ``text``, counting no further than ``cap``."""
    inner: sa.Select[Any]
    if dialect == "sqlite":
        fts = sa.text("mention_fts MATCH :fts").bindparams(fts=fts5_expression(text))
        inner = sa.select(sa.column("rowid")).select_from(sa.table("mention_fts")).where(fts)
    else:
        inner = sa.select(sa.literal(1)).where(_tsquery_match(text))
    return sa.select(sa.func.count()).select_from(inner.limit(cap).subquery())


def _tsquery_match(text: str) -> sa.ColumnElement[bool]:
    vector = sa.func.to_tsvector(sa.literal_column("'simple'"), t.mention.c.text)
    query = sa.func.plainto_tsquery(sa.literal_column("'simple'"), " ".join(words(text)))
    return vector.op("@@")(query)


def full_text(dialect: str, text: str, probe: bool = False) -> sa.ColumnElement[bool] | None:
    """The dialect's full-text condition for every word of ``text``; None when no word.

    ``probe`` checks each row (newest first, stopping at a page) instead of collecting every
    match from the index then sorting: faster when the words are common, slower when rare.
    """
    found = words(text)
    if not found:
        return None
    m = t.mention.c
    if dialect == "sqlite":
        fts = sa.text("mention_fts MATCH :fts").bindparams(fts=fts5_expression(text))
        if probe:
            hit = (
                sa.select(sa.literal(1))
                .select_from(sa.table("mention_fts"))
                .where(fts, sa.column("rowid") == m.id)
            )
            return hit.exists()
        matching: sa.Select[Any] = (
            sa.select(sa.column("rowid")).select_from(sa.table("mention_fts")).where(fts)
        )
        return m.id.in_(matching.scalar_subquery())
    if probe:
        return _tsquery_match(text)
    # MATERIALIZED: otherwise the planner may walk the time index testing every row.
    hits = sa.select(m.id).where(_tsquery_match(text)).cte("hits").prefix_with("MATERIALIZED")
    return m.id.in_(sa.select(hits.c.id))


def _conditions(
    dialect: str, q: SearchQuery, probe: bool = False
) -> Iterator[sa.ColumnElement[bool]]:
    m, b = t.mention.c, t.mention_brand.c
    equal = ((b.brand, q.brand), (m.platform, q.platform), (b.sentiment_label, q.sentiment))
    yield from (column == value for column, value in equal if value is not None)
    if q.since is not None:
        yield b.created_epoch_us >= epoch_us(q.since)
    if q.until is not None:
        yield b.created_epoch_us < epoch_us(q.until)
    if q.text:
        matched = full_text(dialect, q.text, probe)
        yield matched if matched is not None else sa.false()
    if q.after:
        stamp, link_id = parse_cursor(q.after)
        yield sa.tuple_(b.created_epoch_us, b.id) < sa.tuple_(stamp, link_id)


def select_history(dialect: str, q: SearchQuery, probe: bool = False) -> sa.Select[Any]:
    """One page (``limit + 1`` rows, to know if there is a next) or, without limit, all."""
    m, b = t.mention.c, t.mention_brand.c
    stmt = sa.select(*mentions.row_columns(), b.id.label("link_id"), b.created_epoch_us)
    stmt = stmt.join_from(t.mention, t.mention_brand, m.id == b.mention_id)
    stmt = stmt.where(*_conditions(dialect, q, probe))
    stmt = stmt.order_by(b.created_epoch_us.desc(), b.id.desc())
    return stmt if q.limit is None else stmt.limit(q.limit + 1)


def to_history_row(row: Any) -> tuple[MentionRow, str]:
    """A row of ``select_history``: the mention and the cursor continuing after it."""
    values = dict(row)
    cursor = make_cursor(values.pop("created_epoch_us"), values.pop("link_id"))
    return mentions.to_row(values), cursor


def select_volume(
    brand: str | None, since: datetime, until: datetime, bucket: timedelta
) -> tuple[sa.Select[Any], int, int]:
    """Mentions per (bucket, brand, sentiment) in the window; with the origin and width (µs)."""
    width = bucket // timedelta(microseconds=1)
    start = epoch_us(since)
    origin = start - start % width
    b = t.mention_brand.c
    idx = ((b.created_epoch_us - origin) // width).label("idx")
    stmt = sa.select(idx, b.brand, b.sentiment_label, sa.func.count().label("n"))
    stmt = stmt.where(b.created_epoch_us >= start, b.created_epoch_us < epoch_us(until))
    if brand is not None:
        stmt = stmt.where(b.brand == brand)
    stmt = stmt.group_by(idx, b.brand, b.sentiment_label).order_by(idx)
    return stmt, origin, width


def select_brands() -> sa.Select[Any]:
    """Every brand with stored mentions."""
    b = t.mention_brand.c
    return sa.select(b.brand).distinct().order_by(b.brand)
