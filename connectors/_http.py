"""Conditional GET with a size cap: turns one HTTP exchange into a ``Fetched`` value.

Every httpx error is translated here, once, into ``Failed``; nothing else is caught.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

#: How long to back off after a 429 that carries no usable Retry-After.
DEFAULT_RETRY_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class Body:
    """A 2xx answer, read in full (never more than the cap)."""

    content: bytes
    content_type: str
    url: str  # where the body came from, after redirects: the base of relative links
    validators: Mapping[str, str]  # {"etag": ..., "last_modified": ...}, as present


@dataclass(frozen=True)
class NotModified:
    """A 304: nothing changed since the validators we sent."""

    validators: Mapping[str, str]


@dataclass(frozen=True)
class Failed:
    """No usable answer; ``retry_until`` is set when the server said 429."""

    message: str
    retry_until: datetime | None = None


Fetched = Body | NotModified | Failed


def conditional_get(
    client: httpx.Client, url: str, validators: Mapping[str, Any], *, max_bytes: int, now: datetime
) -> Fetched:
    """GET ``url`` with If-None-Match / If-Modified-Since from ``validators``."""
    try:
        with client.stream("GET", url, headers=request_headers(validators)) as response:
            return _read(response, max_bytes, now)
    except httpx.TimeoutException as e:
        return Failed(f"timed out ({type(e).__name__})")
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        return Failed(f"request failed ({type(e).__name__}: {e})")


def request_headers(validators: Mapping[str, Any]) -> dict[str, str]:
    """The conditional request headers for the stored validators."""
    headers = {}
    if isinstance(etag := validators.get("etag"), str):
        headers["If-None-Match"] = etag
    if isinstance(last_modified := validators.get("last_modified"), str):
        headers["If-Modified-Since"] = last_modified
    return headers


def response_validators(headers: httpx.Headers) -> dict[str, str]:
    """The ETag and Last-Modified of a response, as stored in a cursor."""
    found = {"etag": headers.get("ETag"), "last_modified": headers.get("Last-Modified")}
    return {key: value for key, value in found.items() if value}


def retry_after(value: str | None, now: datetime) -> datetime:
    """When a 429 says to come back: Retry-After in seconds or as an HTTP date."""
    if value and value.strip().isdigit():
        return now + timedelta(seconds=int(value.strip()))
    try:
        when = parsedate_to_datetime(value or "")
    except (TypeError, ValueError):
        return now + DEFAULT_RETRY_AFTER
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(when.astimezone(UTC), now)


def _read(response: httpx.Response, max_bytes: int, now: datetime) -> Fetched:
    status = response.status_code
    if status == 304:
        return NotModified(response_validators(response.headers))
    if status == 429:
        until = retry_after(response.headers.get("Retry-After"), now)
        return Failed(f"HTTP 429 Too Many Requests, retry after {until.isoformat()}", until)
    if not response.is_success:
        return Failed(f"HTTP {status} {response.reason_phrase}".rstrip())
    content = _read_capped(response, max_bytes)
    if content is None:
        return Failed(f"body larger than {max_bytes} bytes, not read further")
    content_type = response.headers.get("Content-Type", "")
    return Body(content, content_type, str(response.url), response_validators(response.headers))


def _read_capped(response: httpx.Response, max_bytes: int) -> bytes | None:
    """The decoded body, or None once it exceeds ``max_bytes`` (this also caps gzip bombs)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return None
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
