"""Mentions and their brand links: idempotent upserts and the queries the app runs on them.

Time ranges are half-open, ``since <= created_at < until``. Functions take an open
``Connection``; the façade decides the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from listener.records import MentionFilter, MentionRow, NewMention, SentimentLabel
from listener.storage import tables as t
from listener.storage.engine import insert
from listener.storage.tables import EPOCH, epoch_us, require_utc, scrub_nul

STREAM_BATCH = 500
STORE_CHUNK = 500  # mentions per executemany: keeps SQLite under its bound-parameter limit
# A re-stored post refreshes these; text, created_at, source and fetched_at stay first-seen.
REFRESHED = ("reach", "lang", "sentiment_label", "sentiment_score", "sentiment_scored", "topics")
KEEP_IF_MISSING = frozenset({"reach", "lang"})

Key = tuple[str, str]


@dataclass(frozen=True)
class StoreResult:
    """What one ``store_poll`` did: ``new`` mentions inserted, ``updated`` already known."""

    new: int
    updated: int


def store_mentions(
    conn: Connection, mentions: Sequence[NewMention], fetched_at: datetime
) -> StoreResult:
    """Upsert mentions and their brand links; never duplicates, never loses an outpost."""
    new = 0
    for start in range(0, len(mentions), STORE_CHUNK):
        new += _store_chunk(conn, mentions[start : start + STORE_CHUNK], fetched_at)
    return StoreResult(new=new, updated=len(mentions) - new)


def _store_chunk(conn: Connection, chunk: Sequence[NewMention], fetched_at: datetime) -> int:
    """Store up to STORE_CHUNK mentions; return how many were new."""
    # The last copy of a post repeated in the chunk wins, as _link_rows' reach and sentiment do.
    unique = {_key(row): row for row in (_mention_values(item, fetched_at) for item in chunk)}
    statements = _statements(conn.dialect.name)
    # DO NOTHING + RETURNING tells inserts from conflicts on both dialects (no xmax trick).
    ids = {(p, e): i for i, p, e in conn.execute(statements.add_mentions, list(unique.values()))}
    inserted = len(ids)
    known = [row for key, row in unique.items() if key not in ids]
    if known:
        refreshed = conn.execute(statements.refresh_mentions, known)
        ids.update({(p, e): i for i, p, e in refreshed})
    links = _link_rows(chunk, ids)
    if links:
        conn.execute(statements.upsert_links, links)
    return inserted


def _key(values: Mapping[str, Any]) -> Key:
    # Keys as the database returns them: NUL already replaced (see tables.SafeText).
    return scrub_nul(values["platform"]), scrub_nul(values["external_id"])


def _mention_values(item: NewMention, fetched_at: datetime) -> dict[str, Any]:
    return {
        "source": item.source,
        "platform": item.platform,
        "external_id": item.external_id,
        "url": item.url,
        "author": item.author,
        "title": item.title,
        "text": item.text,
        "created_at": require_utc(item.created_at, "created_at"),
        "fetched_at": require_utc(fetched_at, "fetched_at"),
        "lang": item.lang,
        "reach": item.reach,
        "sentiment_label": item.sentiment_label,
        "sentiment_score": item.sentiment_score,
        "sentiment_scored": item.sentiment_scored,
        "topics": list(item.topics),
        "extra": dict(item.extra),
    }


def merge_links(item: NewMention) -> dict[str, str | None]:
    """One outpost (or None) per brand; a brand listed twice keeps its outpost."""
    merged: dict[str, str | None] = {}
    for link in item.brands:
        merged[link.brand] = merged.get(link.brand) or link.outpost
    return merged


def _link_rows(chunk: Sequence[NewMention], ids: Mapping[Key, int]) -> list[dict[str, Any]]:
    """One row per (mention, brand), merged over duplicates: one upsert may not hit a row twice."""
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for item in chunk:
        mention_id = ids[scrub_nul(item.platform), scrub_nul(item.external_id)]
        for brand, outpost in merge_links(item).items():
            earlier = rows.get((mention_id, brand), {}).get("outpost")
            rows[mention_id, brand] = {
                "mention_id": mention_id,
                "brand": brand,
                "outpost": outpost or earlier,
                "created_epoch_us": epoch_us(item.created_at),
                "sentiment_label": item.sentiment_label,
                "reach": item.reach,
            }
    return list(rows.values())


@dataclass(frozen=True)
class _Statements:
    add_mentions: sa.Executable
    refresh_mentions: sa.Executable
    upsert_links: sa.Executable


@cache
def _statements(dialect: str) -> _Statements:
    """The write statements, built once per dialect: building them costs more than running."""
    m, b = t.mention.c, t.mention_brand.c
    returned = (m.id, m.platform, m.external_id)
    add = insert(dialect, t.mention).on_conflict_do_nothing(
        index_elements=["platform", "external_id"]
    )
    refresh = insert(dialect, t.mention)
    refresh_set = {
        name: sa.func.coalesce(refresh.excluded[name], m[name])
        if name in KEEP_IF_MISSING
        else refresh.excluded[name]
        for name in REFRESHED
    }
    links = insert(dialect, t.mention_brand)
    links_set = {
        # An outpost once seen is kept: a later sighting elsewhere never downgrades it.
        "outpost": sa.func.coalesce(links.excluded.outpost, b.outpost),
        "sentiment_label": links.excluded.sentiment_label,
        "reach": sa.func.coalesce(links.excluded.reach, b.reach),
    }
    return _Statements(
        add_mentions=add.returning(*returned),
        refresh_mentions=refresh.on_conflict_do_update(
            index_elements=["platform", "external_id"], set_=refresh_set
        ).returning(*returned),
        upsert_links=links.on_conflict_do_update(
            index_elements=["mention_id", "brand"], set_=links_set
        ),
    )


_ROW_FIELDS = tuple(f.name for f in fields(MentionRow))


def row_columns() -> list[sa.ColumnElement[Any]]:
    """The columns of a ``MentionRow``, from ``mention`` and ``mention_brand``."""
    return _row_columns()


def _row_columns() -> list[sa.ColumnElement[Any]]:
    from_link = {"brand", "outpost"}
    return [(t.mention_brand if name in from_link else t.mention).c[name] for name in _ROW_FIELDS]


def _joined() -> sa.Select[Any]:
    m, b = t.mention.c, t.mention_brand.c
    return sa.select(*_row_columns()).join_from(t.mention, t.mention_brand, m.id == b.mention_id)


def to_row(row: RowMapping | Mapping[str, Any]) -> MentionRow:
    """A result row of ``_joined()`` as the frozen record."""
    values = dict(row)
    values["topics"] = tuple(values["topics"])
    values["sentiment_label"] = cast(SentimentLabel, values["sentiment_label"])
    return MentionRow(**values)


def _filter_conditions(f: MentionFilter) -> Iterator[sa.ColumnElement[bool]]:
    m, b = t.mention.c, t.mention_brand.c
    equal = (
        (b.brand, f.brand),
        (b.outpost, f.outpost),
        (m.source, f.source),
        (m.platform, f.platform),
        (m.sentiment_label, f.sentiment),
    )
    yield from (column == value for column, value in equal if value is not None)
    if f.since is not None:
        yield m.created_at >= require_utc(f.since, "since")
    if f.until is not None:
        yield m.created_at < require_utc(f.until, "until")
    if f.query:
        # ILIKE on PostgreSQL, lower() LIKE lower() on SQLite; autoescape escapes % and _.
        yield m.text.icontains(f.query, autoescape=True)


def select_mentions(f: MentionFilter) -> sa.Select[Any]:
    """The ``listener mentions`` query: one row per (mention, brand), newest first."""
    m, b = t.mention.c, t.mention_brand.c
    stmt = _joined().where(*_filter_conditions(f))
    stmt = stmt.order_by(m.created_at.desc(), m.id.desc(), b.brand)
    return stmt if f.limit is None else stmt.limit(f.limit)


def stream_mentions(conn: Connection, f: MentionFilter) -> Iterator[MentionRow]:
    """Yield rows in batches (a server-side cursor on PostgreSQL) for exports of any size."""
    result = conn.execution_options(yield_per=STREAM_BATCH).execute(select_mentions(f))
    for row in result.mappings():
        yield to_row(row)


def _brand_window(brand: str, since: datetime, until: datetime) -> list[sa.ColumnElement[bool]]:
    b = t.mention_brand.c
    start, end = epoch_us(since), epoch_us(until)
    return [b.brand == brand, b.created_epoch_us >= start, b.created_epoch_us < end]


def bucket_counts_query(
    brand: str, since: datetime, until: datetime, bucket: timedelta
) -> tuple[sa.Select[Any], int, int]:
    """Counts grouped by bucket index; returns the query, the origin and the width (µs)."""
    width = bucket // timedelta(microseconds=1)
    if width <= 0:
        raise ValueError(f"bucket must be positive, got {bucket}")
    start = epoch_us(since)
    origin = start - start % width  # the epoch-aligned bucket start at or before ``since``
    b = t.mention_brand.c
    # Rows are >= origin, so integer division floors identically on SQLite and PostgreSQL.
    per_row = sa.select(
        ((b.created_epoch_us - origin) // width).label("idx"),
        sa.case((b.sentiment_label == "negative", 1), else_=0).label("negative"),
        sa.func.coalesce(b.reach, 0).label("reach"),
    ).where(*_brand_window(brand, since, until))
    rows = per_row.subquery()
    counts = sa.select(
        rows.c.idx,
        sa.func.count().label("total"),
        sa.func.sum(rows.c.negative).label("negative"),
        sa.func.sum(rows.c.reach).label("reach"),
    )
    return counts.group_by(rows.c.idx).order_by(rows.c.idx), origin, width


def bucket_start(origin: int, width: int, index: int) -> datetime:
    """The UTC start of bucket ``index`` counted from ``origin`` (µs since the epoch)."""
    return EPOCH + timedelta(microseconds=origin + index * width)


def select_top(
    brand: str, since: datetime, until: datetime, limit: int, negative_only: bool
) -> sa.Select[Any]:
    """Posts to show in an alert: those on an outpost first, then the widest reach."""
    m, b = t.mention.c, t.mention_brand.c
    stmt = _joined().where(*_brand_window(brand, since, until))
    if negative_only:
        stmt = stmt.where(b.sentiment_label == "negative")
    on_outpost_first = sa.case((b.outpost.is_(None), 1), else_=0)
    order = (on_outpost_first, sa.func.coalesce(b.reach, -1).desc(), m.created_at.desc(), m.id)
    return stmt.order_by(*order).limit(limit)


def select_topics(brand: str, since: datetime, until: datetime, limit: int) -> sa.Select[Any]:
    """The topics of a brand's newest mentions in a window, for rising-topic tests."""
    m, b = t.mention.c, t.mention_brand.c
    stmt = sa.select(m.topics).join_from(t.mention, t.mention_brand, m.id == b.mention_id)
    stmt = stmt.where(*_brand_window(brand, since, until))
    return stmt.order_by(m.created_at.desc(), m.id.desc()).limit(limit)


def select_known_links(platform: str, external_ids: Sequence[str]) -> sa.Select[Any]:
    """(external_id, brand, outpost) already stored for these posts."""
    m, b = t.mention.c, t.mention_brand.c
    stmt = sa.select(m.external_id, b.brand, b.outpost)
    stmt = stmt.join_from(t.mention, t.mention_brand, m.id == b.mention_id)
    return stmt.where(
        m.platform == platform, m.external_id.in_([scrub_nul(e) for e in external_ids])
    )


def to_rows(result: Iterable[RowMapping]) -> list[MentionRow]:
    """Convert a whole result."""
    return [to_row(row) for row in result]
