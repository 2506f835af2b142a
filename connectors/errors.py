"""Errors raised by connectors.

    ConnectorError          the source could not be polled (carries the source name)
    ├── RateLimited         the platform said 429; ``until`` says when to come back
    ├── AuthError           a credential is missing or refused; ``credential`` names its env var
    └── TransientError      5xx or timeout after bounded retries

The ``listener`` app catches these at its pipeline boundary; this package never imports it.
"""

from __future__ import annotations

from datetime import datetime


class ConnectorError(Exception):
    """A source failed this cycle."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


class RateLimited(ConnectorError):
    """The platform refused with 429 until ``until``."""

    def __init__(self, source: str, until: datetime, message: str = "rate limited") -> None:
        super().__init__(source, f"{message} until {until.isoformat()}")
        self.until = until


class AuthError(ConnectorError):
    """401/403 or a missing credential: the source stops until the credential is fixed."""

    def __init__(self, source: str, credential: str, message: str) -> None:
        super().__init__(source, f"{message} (check the environment variable {credential})")
        self.credential = credential


class TransientError(ConnectorError):
    """5xx or a timeout, still failing after bounded retries."""
