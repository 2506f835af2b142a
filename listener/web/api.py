"""The JSON REST API under ``/api/v1`` (bearer token or session + CSRF header for writes).

The schema is at ``/api/openapi.json``; ``/api/docs`` lists the endpoints.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from listener.alerting import alert_json
from listener.records import QueueFilter, Review, ReviewStatus, SentimentLabel, WebUser
from listener.storage import Storage
from listener.summary import mention_json
from listener.web import views
from listener.web.history import search_query
from listener.web.render import render
from listener.web.security import check_csrf, require

router = APIRouter(prefix="/api")
Viewer = Annotated[WebUser, Depends(require("viewer"))]
Manager = Annotated[WebUser, Depends(require("manager"))]


class ReviewKey(BaseModel):
    """A queue row: a mention as counted for a brand."""

    mention_id: int
    brand: str


class ReviewChange(BaseModel):
    """New triage state for some queue rows."""

    keys: list[ReviewKey] = Field(min_length=1, max_length=500)
    status: ReviewStatus
    assignee: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=5000)


def _storage(request: Request) -> Storage:
    return request.app.state.storage


@router.get("/docs", include_in_schema=False)
def docs(request: Request, user: Viewer) -> Response:
    """The endpoints of the schema, as a page (no script: Swagger UI would need inline JS)."""
    return render(request, "api_docs.html", schema=request.app.openapi())


@router.get("/v1/me")
def me(user: Viewer) -> dict[str, Any]:
    """Who the caller is."""
    return {"name": user.name, "role": user.role}


@router.get("/v1/queue")
def queue(
    request: Request,
    user: Viewer,
    brand: str | None = None,
    outpost: str | None = None,
    platform: str | None = None,
    sentiment: SentimentLabel | None = None,
    topic: str | None = None,
    status: ReviewStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """The review queue (outpost mentions first, newest first) and counts per status."""
    f = QueueFilter(brand, outpost, platform, sentiment, topic, status, limit, offset)
    storage = _storage(request)
    items = [
        {**mention_json(i.mention), "review": _review_json(i.review)}
        for i in storage.review_queue(f)
    ]
    return {"items": items, "counts": storage.status_counts(f)}


def _review_json(review: Review) -> dict[str, Any]:
    return {
        "status": review.status,
        "assignee": review.assignee,
        "note": review.note,
        "updated_at": views.iso_or_none(review.updated_at),
        "updated_by": review.updated_by,
    }


@router.post("/v1/reviews", dependencies=[Depends(check_csrf)])
def set_reviews(request: Request, change: ReviewChange, user: Manager) -> dict[str, int]:
    """Set status, assignee and note of queue rows (managers and admins)."""
    review = Review(change.status, change.assignee, change.note, updated_by=user.name)
    keys = [(k.mention_id, k.brand) for k in change.keys]
    updated = _storage(request).set_reviews(keys, review, request.app.state.clock())
    return {"updated": updated}


@router.get("/v1/search")
def search(
    request: Request,
    user: Viewer,
    q: str | None = None,
    brand: str | None = None,
    platform: str | None = None,
    sentiment: SentimentLabel | None = None,
    since: str | None = None,
    until: str | None = None,
    after: str | None = None,
) -> dict[str, Any]:
    """One page of history (full text, filters), newest first; pass ``next`` as ``after``."""
    page = _storage(request).search_history(search_query(request, request.app.state.clock()))
    return {"items": [mention_json(r) for r in page.rows], "next": page.next_cursor}


@router.get("/v1/export")
def export(request: Request, user: Viewer, format: Literal["csv", "jsonl"] = "jsonl") -> Response:
    """Every row of a search (same parameters as ``/v1/search``), streamed."""
    query = search_query(request, request.app.state.clock(), limit=None)
    rows = (mention_json(r) for r in _storage(request).iter_history(query))
    chunks = views.csv_chunks(rows) if format == "csv" else views.jsonl_chunks(rows)
    media = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
    return StreamingResponse(chunks, media_type=media)


@router.get("/v1/alerts")
def alerts(
    request: Request,
    user: Viewer,
    state: Literal["firing", "resolved", "all"] = "all",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Alerts, newest first."""
    return [alert_json(a) for a in _storage(request).list_alerts(state, limit)]


@router.get("/v1/alerts/{alert_id}")
def alert(request: Request, alert_id: int, user: Viewer) -> dict[str, Any]:
    """One alert with its explanation."""
    found = _storage(request).get_alert(alert_id)
    if found is None:
        raise HTTPException(404, "no such alert")
    return alert_json(found)
