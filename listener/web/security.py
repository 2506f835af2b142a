"""Passwords, API tokens, sessions, CSRF, roles and security headers of the web app.

Sessions are signed cookies (Starlette's ``SessionMiddleware``, itsdangerous) holding the user
id and a CSRF token; the user is read again on every request, so a role change applies at once.
Every write checks the CSRF token (form field ``csrf`` or header ``X-CSRF-Token``), except API
calls authenticated by a bearer token, which carry no cookie to ride on.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request
from starlette.responses import Response

from listener.records import ROLES, Role, WebUser

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_hasher = PasswordHasher()
# Verified when the user is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(user: WebUser | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s; constant work whether or not the user exists."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and (
            user is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def new_api_token() -> str:
    """A fresh API token to show once; only its digest is stored."""
    return "lst_" + secrets.token_urlsafe(32)


def allows(user: WebUser, role: Role) -> bool:
    """Whether ``user`` has ``role`` or a higher one (viewer < manager < admin)."""
    return ROLES.index(user.role) >= ROLES.index(role)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse (403) a write whose CSRF token is missing or not the session's."""
    if getattr(request.state, "by_token", False):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = request.session.get(CSRF_FIELD)
    if not (sent and isinstance(expected, str) and secrets.compare_digest(sent, expected)):
        raise HTTPException(403, "missing or invalid CSRF token")


def require(role: Role) -> Callable[[Request], Awaitable[WebUser]]:
    """A dependency: the signed-in user, who must hold ``role`` (403 otherwise)."""

    async def dependency(request: Request) -> WebUser:
        user: WebUser | None = getattr(request.state, "user", None)
        if user is None:
            raise HTTPException(401, "sign in first")
        if not allows(user, role):
            raise HTTPException(403, f"needs the {role} role")
        return user

    return dependency


def add_security_headers(response: Response) -> Response:
    """Set the headers every response carries (CSP without inline scripts, no framing)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
