"""Server-rendered pages: sign-in, review queue, alerts, history, users."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from listener.records import REVIEW_STATUSES, ROLES, QueueFilter, Review, WebUser
from listener.storage import Storage
from listener.summary import mention_json
from listener.web import views
from listener.web.history import history_context, search_query
from listener.web.render import render
from listener.web.security import check_csrf, hash_password, require, verify_password

router = APIRouter(include_in_schema=False)
Viewer = Annotated[WebUser, Depends(require("viewer"))]
Manager = Annotated[WebUser, Depends(require("manager"))]
Admin = Annotated[WebUser, Depends(require("admin"))]
Csrf = Depends(check_csrf)
QUEUE_PAGE = 50


def _storage(request: Request) -> Storage:
    return request.app.state.storage


@router.get("/login")
def login_page(request: Request) -> Response:
    """The sign-in form (the only page without a session)."""
    return render(request, "login.html")


@router.post("/login", dependencies=[Csrf])
def login(
    request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Response:
    """Check the password; start a fresh session (new CSRF token) on success."""
    user = _storage(request).get_user(name=name)
    if not verify_password(user, password) or user is None:
        return render(request, "login.html", 401, error="Unknown user or wrong password.")
    request.session.clear()
    request.session["uid"] = user.id
    return RedirectResponse("/queue", 303)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request) -> Response:
    """End the session."""
    request.session.clear()
    return RedirectResponse("/login", 303)


@router.get("/")
def home(user: Viewer) -> Response:
    """The review queue is the start page."""
    return RedirectResponse("/queue", 303)


def queue_filter(request: Request) -> QueueFilter:
    """The queue's filters from the query string."""
    q = request.query_params
    page = int(q["page"]) if q.get("page", "").isdigit() else 1
    return QueueFilter(
        brand=views.opt(q.get("brand")),
        outpost=views.opt(q.get("outpost")),
        platform=views.opt(q.get("platform")),
        sentiment=views.sentiment(q.get("sentiment")),
        topic=views.opt(q.get("topic")),
        status=views.status(q.get("status")),
        limit=QUEUE_PAGE,
        offset=(max(page, 1) - 1) * QUEUE_PAGE,
    )


@router.get("/queue")
def queue(request: Request, user: Viewer) -> Response:
    """The review queue: outpost mentions first, newest first, with counts per status."""
    storage, f = _storage(request), queue_filter(request)
    items = storage.review_queue(f)
    marks = views.alert_marks((i.mention for i in items), storage.list_alerts(limit=200))
    filters = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request,
        "queue.html",
        items=items,
        marks=marks,
        counts=storage.status_counts(f),
        statuses=REVIEW_STATUSES,
        brands=storage.brands(),
        filters=filters,
        page=f.offset // QUEUE_PAGE + 1,
        more=len(items) == QUEUE_PAGE,
        query=urlencode(filters),
    )


@router.post("/queue/review", dependencies=[Csrf])
async def review(request: Request, user: Manager) -> Response:
    """Set status, assignee and note of the selected rows (bulk triage)."""
    form = await request.form()
    keys = [k for k in (views.parse_key(str(v)) for v in form.getlist("key")) if k]
    new_status = views.status(str(form.get("status", "")))
    if new_status is None:
        raise HTTPException(400, "choose a status")
    change = Review(
        status=new_status,
        assignee=views.opt(str(form.get("assignee", ""))),
        note=views.opt(str(form.get("note", ""))),
        updated_by=user.name,
    )
    now = request.app.state.clock()
    await run_in_threadpool(_storage(request).set_reviews, keys, change, now)
    back = str(form.get("back", ""))
    return RedirectResponse("/queue?" + back if not back.startswith(("/", "\\")) else "/queue", 303)


@router.get("/alerts")
def alerts_page(request: Request, user: Viewer) -> Response:
    """Alerts, newest first."""
    return render(request, "alerts.html", alerts=_storage(request).list_alerts(limit=200))


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: int, user: Viewer) -> Response:
    """One alert: why it fired, volume and negativity charts, rising topics, top posts."""
    from listener.web.history import alert_charts

    alert = _storage(request).get_alert(alert_id)
    if alert is None:
        raise HTTPException(404, "no such alert")
    return render(request, "alert.html", alert=alert, charts=alert_charts(alert))


@router.post("/alerts/{alert_id}/ack", dependencies=[Csrf])
def ack(request: Request, alert_id: int, user: Manager) -> Response:
    """Acknowledge an alert: no more repeat notifications."""
    storage = _storage(request)
    if storage.get_alert(alert_id) is None:
        raise HTTPException(404, "no such alert")
    storage.ack_alert(alert_id, user.name, request.app.state.clock())
    return RedirectResponse(f"/alerts/{alert_id}", 303)


@router.post("/alerts/{alert_id}/silence", dependencies=[Csrf])
def silence(
    request: Request,
    alert_id: int,
    user: Manager,
    hours: Annotated[float, Form(gt=0, le=24 * 30)],
    reason: Annotated[str, Form(min_length=1, max_length=500)],
) -> Response:
    """Silence alerts like this one (same brand and kind) for ``hours``."""
    storage = _storage(request)
    alert = storage.get_alert(alert_id)
    if alert is None:
        raise HTTPException(404, "no such alert")
    now = request.app.state.clock()
    storage.add_silence(views.silence_for(alert, now, hours, reason, user.name))
    return RedirectResponse(f"/alerts/{alert_id}", 303)


@router.get("/history")
def history(request: Request, user: Viewer) -> Response:
    """Full-text search with filters, keyset pages, volume/sentiment and share-of-voice charts."""
    now = request.app.state.clock()
    return render(request, "history.html", **history_context(_storage(request), request, now))


@router.get("/history/export")
def export(request: Request, user: Viewer) -> Response:
    """The whole search result as CSV or JSON Lines, streamed in constant memory."""
    fmt = request.query_params.get("format", "csv")
    if fmt not in ("csv", "jsonl"):
        raise HTTPException(400, "format must be csv or jsonl")
    query = search_query(request, request.app.state.clock(), limit=None)
    rows = (mention_json(r) for r in _storage(request).iter_history(query))
    chunks = views.csv_chunks(rows) if fmt == "csv" else views.jsonl_chunks(rows)
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    headers = {"Content-Disposition": f'attachment; filename="listener-history.{fmt}"'}
    return StreamingResponse(chunks, media_type=media, headers=headers)


@router.get("/admin/users")
def users_page(request: Request, user: Admin) -> Response:
    """Users and their roles; a form to add one."""
    return render(request, "users.html", users=_storage(request).list_users(), roles=ROLES)


@router.post("/admin/users", dependencies=[Csrf])
def add_user(
    request: Request,
    user: Admin,
    name: Annotated[str, Form(min_length=1, max_length=64)],
    role: Annotated[str, Form()],
    password: Annotated[str, Form(min_length=8)],
) -> Response:
    """Create a user, or reset one's role and password."""
    if role not in ROLES:
        raise HTTPException(400, "unknown role")
    now = request.app.state.clock()
    _storage(request).save_user(name, role, hash_password(password), now)
    return RedirectResponse("/admin/users", 303)
