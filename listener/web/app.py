"""Assemble the FastAPI app: sessions, the sign-in gate, security headers, pages and API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from listener.records import WebUser
from listener.storage import Storage
from listener.web import api, pages
from listener.web.render import make_environment
from listener.web.security import add_security_headers

HERE = Path(__file__).resolve().parent
SESSION_SECONDS = 12 * 3600
PUBLIC_PATHS = ("/login", "/static/")

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(
    storage: Storage, secret_key: str, *, clock: Clock = utcnow, https_only: bool = False
) -> FastAPI:
    """The web app over ``storage``; ``secret_key`` signs session cookies."""
    app = FastAPI(
        title="Listener",
        docs_url=None,  # Swagger UI needs inline scripts and a CDN: see /api/docs instead
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.storage = storage
    app.state.clock = clock
    app.state.templates = make_environment(HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.middleware("http")(_gate)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key,
        session_cookie="listener_session",
        max_age=SESSION_SECONDS,
        same_site="strict",
        https_only=https_only,
    )
    return app


def _identify(storage: Storage, request: Request) -> tuple[WebUser | None, bool]:
    """The user of a request (bearer token first, then session) and whether by token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return storage.user_by_token(token.strip()), True
    user_id = request.session.get("uid")
    if isinstance(user_id, int):
        return storage.get_user(user_id=user_id), False
    return None, False


async def _gate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Nothing but the sign-in page (and its static files) without a session or token."""
    user, by_token = await run_in_threadpool(_identify, request.app.state.storage, request)
    request.state.user, request.state.by_token = user, by_token
    path = request.url.path
    response: Response
    if user is None and not path.startswith(PUBLIC_PATHS):
        if path.startswith("/api/"):
            response = JSONResponse({"detail": "sign in or send a bearer token"}, 401)
        else:
            response = RedirectResponse("/login", 303)
    else:
        response = await call_next(request)
    return add_security_headers(response)
