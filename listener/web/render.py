"""Jinja2 rendering: autoescaping everywhere, and links only to http(s) URLs.

Mention text, authors and URLs are written by strangers. Autoescape makes text inert;
``safe_url`` drops ``javascript:``, ``data:`` and every other scheme from links.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from listener.web.security import csrf_token


def safe_url(value: str | None) -> str | None:
    """``value`` if it is an absolute http(s) URL, else None (never a script link)."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def when(value: datetime | None) -> str:
    """A UTC time as the pages show it."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def make_environment(directory: Path) -> Environment:
    """The template environment; autoescape is on for every template."""
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["safe_url"] = safe_url
    env.filters["when"] = when
    return env


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render template ``name`` with the user and the CSRF token in context."""
    env: Environment = request.app.state.templates
    html = env.get_template(name).render(
        request=request,
        user=getattr(request.state, "user", None),
        csrf=csrf_token(request),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
