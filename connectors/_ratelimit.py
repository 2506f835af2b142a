"""Bounded retries with backoff and rate-limit header parsing (X and Reddit connectors)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar

T = TypeVar("T")

#: Attempts per request (one try plus two retries) and the first backoff delay in seconds.
ATTEMPTS = 3
BASE_DELAY = 1.0


class Throttled(Exception):
    """The platform answered 429 (or its quota is spent) until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"rate limited until {until.isoformat()}")
        self.until = until


def retry(
    call: Callable[[], T],
    transient: tuple[type[BaseException], ...],
    sleep: Callable[[float], None],
    attempts: int = ATTEMPTS,
    base_delay: float = BASE_DELAY,
) -> T:
    """Run ``call``, retrying ``transient`` errors with exponential backoff; re-raise the last."""
    for attempt in range(attempts - 1):
        try:
            return call()
        except transient:
            sleep(base_delay * 2**attempt)
    return call()


def x_reset(headers: Mapping[str, str], now: datetime) -> datetime:
    """When X's window resets (``x-rate-limit-reset``, epoch seconds); 15 minutes when absent."""
    value = _number(headers.get("x-rate-limit-reset"))
    if value is None:
        return now + timedelta(minutes=15)
    return max(datetime.fromtimestamp(value, UTC), now)


def reddit_reset(headers: Mapping[str, str], now: datetime) -> datetime:
    """When Reddit's window resets (``x-ratelimit-reset``: seconds from now; 10 min if absent)."""
    value = _number(headers.get("x-ratelimit-reset"))
    return now + timedelta(seconds=600 if value is None else max(value, 0.0))


def quota_spent(headers: Mapping[str, str], header: str) -> bool:
    """True when the ``header`` (``x-rate-limit-remaining`` on X, ``x-ratelimit-remaining`` on
    Reddit) says no request is left in the window."""
    value = _number(headers.get(header))
    return value is not None and value < 1


def _number(value: str | None) -> float | None:
    try:
        return None if value is None else float(value)
    except ValueError:
        return None
