"""The history page's query and charts, and the alert page's charts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from markupsafe import Markup

from listener.records import AlertRow, SearchQuery
from listener.storage import Storage
from listener.web import views
from listener.web.charts import COLORS, Line, bar_chart, line_chart
from listener.web.render import when

HISTORY_PAGE = 50
DEFAULT_SPAN = timedelta(days=30)
MAX_BUCKETS = 120


def search_query(request: Request, now: datetime, limit: int | None = HISTORY_PAGE) -> SearchQuery:
    """The history search from the query string (``q``, filters, ``after`` cursor)."""
    q = request.query_params
    after = views.opt(q.get("after"))
    if after is not None and not after.replace(".", "").replace("-", "").isdigit():
        raise HTTPException(400, "bad cursor")
    return SearchQuery(
        text=views.opt(q.get("q")),
        brand=views.opt(q.get("brand")),
        platform=views.opt(q.get("platform")),
        sentiment=views.sentiment(q.get("sentiment")),
        since=views.moment(q.get("since"), now),
        until=views.moment(q.get("until"), now),
        after=after,
        limit=limit,
    )


def _bucket(span: timedelta) -> timedelta:
    for size in (timedelta(minutes=5), timedelta(hours=1), timedelta(hours=6), timedelta(days=1)):
        if span / size <= MAX_BUCKETS:
            return size
    return timedelta(days=7)


def volume_charts(
    storage: Storage, brand: str | None, since: datetime, until: datetime
) -> list[Markup]:
    """Volume per brand over time, the negative share of each, and share of voice."""
    bucket = _bucket(until - since)
    starts = views.bucket_starts(since, until, bucket)
    per_brand = views.pivot_volume(storage.volume_by_sentiment(brand, since, until, bucket), starts)
    if not per_brand:
        return []
    first, last = when(starts[0]), when(starts[-1])
    brands = sorted(per_brand)[: len(COLORS)]
    volume = [Line(b, per_brand[b]["total"], COLORS[i]) for i, b in enumerate(brands)]
    negative = [
        Line(b, [n / t if t else 0.0 for n, t in zip(s["negative"], s["total"], strict=True)],
             COLORS[i])
        for i, b in enumerate(brands)
        for s in (per_brand[b],)
    ]  # fmt: skip
    voice = [(b, sum(per_brand[b]["total"])) for b in sorted(per_brand)]
    return [
        line_chart("Mentions over time", volume, first, last),
        line_chart("Negative share over time", negative, first, last),
        bar_chart("Share of voice", voice),
    ]


def history_context(storage: Storage, request: Request, now: datetime) -> dict[str, Any]:
    """What the history page shows: one page of results, its next link and the charts."""
    query = search_query(request, now)
    page = storage.search_history(query)
    kept = {k: v for k, v in request.query_params.items() if k != "after" and v}
    since = query.since or now - DEFAULT_SPAN
    return {
        "rows": page.rows,
        "next_link": "/history?" + urlencode({**kept, "after": page.next_cursor})
        if page.next_cursor
        else None,
        "export_query": urlencode(kept),
        "filters": kept,
        "brands": storage.brands(),
        "charts": volume_charts(storage, query.brand, since, query.until or now),
    }


def alert_charts(alert: AlertRow) -> list[Markup]:
    """Volume against expected, and the negative share, over the alert's series."""
    series = alert.explanation.get("series") or []
    if not series:
        return []
    total = [float(s.get("total", 0)) for s in series]
    expected = [float(s.get("expected_total", 0)) for s in series]
    share = [
        float(s.get("negative", 0)) / t if t else 0.0 for s, t in zip(series, total, strict=True)
    ]
    first, last = str(series[0].get("start", "")), str(series[-1].get("start", ""))
    return [
        line_chart(
            "Volume vs expected",
            [Line("mentions", total, COLORS[0]), Line("expected", expected, COLORS[6], True)],
            first,
            last,
        ),
        line_chart("Negative share", [Line("negative share", share, COLORS[1])], first, last),
    ]
