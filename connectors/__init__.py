"""Connectors: fetch posts from platforms and turn them into ``Post`` records.

This package never imports ``listener``, ``nlp`` or ``alerts``.
"""

from connectors._types import BrandWatch, Connector, Cursor, PollResult, Post, Problem
from connectors.errors import AuthError, ConnectorError, RateLimited, TransientError

__all__ = [
    "AuthError",
    "BrandWatch",
    "Connector",
    "ConnectorError",
    "Cursor",
    "PollResult",
    "Post",
    "Problem",
    "RateLimited",
    "TransientError",
]
