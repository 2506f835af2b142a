"""The records every connector returns: platform objects never leak past a connector module."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

#: A connector's resume point, JSON-serialisable. The pipeline stores it in the same
#: transaction as the posts it covers, so a crash mid-poll resumes without loss.
Cursor = Mapping[str, Any]


@dataclass(frozen=True)
class Post:
    """One item as the platform published it (text verbatim, never escaped or trimmed)."""

    platform: str  # "rss" | "twitter" | "reddit"
    external_id: str  # unique per platform: guid/link, tweet id, reddit fullname
    text: str  # what is stored and shown: for feeds and reddit posts, title + body as published
    created_at: datetime  # timezone-aware UTC
    url: str | None = None
    author: str | None = None
    title: str = ""  # the title part of ``text`` (feeds, reddit submissions), for analysis
    reach: int | None = None  # followers, subscribers or score: how many people may see it
    lang: str | None = None  # as the platform reported it, if it did
    outpost: str | None = None  # the outpost string ("reddit:r/acme") when found on one
    extra: Mapping[str, str] = field(default_factory=dict)  # conversation ids, parent ids...


@dataclass(frozen=True)
class Problem:
    """A failure inside a poll that did not stop the rest of it (one feed, one query)."""

    where: str  # the feed URL or query that failed
    message: str


@dataclass(frozen=True)
class PollResult:
    """What one poll of one source returned: posts, the new cursor and what went wrong."""

    posts: tuple[Post, ...]
    cursor: Cursor
    problems: tuple[Problem, ...] = ()
    rate_limited_until: datetime | None = None  # set when the platform answered 429
    requests: int = 0  # HTTP requests made, for source health and rate-limit tests


@dataclass(frozen=True)
class BrandWatch:
    """What a connector looks for on behalf of one brand."""

    brand: str
    keywords: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    outposts: tuple[str, ...] = ()  # full outpost strings, e.g. "reddit:r/acme"; each
    # connector picks the ones of its own platform


class Connector(Protocol):
    """A source of posts. ``poll`` must not raise for one failing feed or query: it reports
    those in ``PollResult.problems``. It raises ``AuthError`` when the source cannot work at all
    and ``ConnectorError`` when nothing could be fetched."""

    name: str

    def poll(self, cursor: Cursor, now: datetime) -> PollResult: ...

    def close(self) -> None: ...
