"""RSS 2.0 and Atom feeds: one conditional GET per feed, parsed by feedparser into ``Post``.

Each feed fails alone: a dead, slow, oversized, rate-limited or malformed feed becomes a
``Problem`` and the others are still polled. The cursor holds each feed's validators
(``{"feeds": {url: {"etag": ..., "last_modified": ...}}}``) and a feed's entry only moves
when that feed was fetched and parsed. feedparser objects never leave this module.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import httpx

from connectors._http import Body, Failed, NotModified, conditional_get
from connectors._types import Cursor, PollResult, Post, Problem

__all__ = ["ParsedFeed", "RssConnector", "entry_to_post", "parse_feed"]

_RETRY_KEY = "retry_until"  # in a feed's cursor entry, after a 429
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)


@dataclass(frozen=True)
class ParsedFeed:
    """The posts of one feed body, and what was wrong with it."""

    posts: tuple[Post, ...]
    problems: tuple[Problem, ...]
    is_feed: bool  # False when nothing feed-like was found: the cursor must not move


@dataclass(frozen=True)
class _FeedOutcome:
    validators: Mapping[str, str]
    posts: tuple[Post, ...] = ()
    problems: tuple[Problem, ...] = ()
    retry_until: datetime | None = None


class RssConnector:
    """Polls a list of RSS/Atom feed URLs; ``outposts`` maps a feed URL to its outpost string."""

    def __init__(
        self,
        name: str,
        feeds: Sequence[str],
        *,
        outposts: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        max_bytes: int = 5_000_000,
        user_agent: str = "listener/0.1",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.feeds = tuple(dict.fromkeys(feeds))  # same URL twice is polled once
        self._outposts = dict(outposts or {})
        self._max_bytes = max_bytes
        self._sent = 0
        self._client = httpx.Client(
            timeout=timeout,  # per connect / read / write, not for the whole body
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": user_agent, "Accept": _ACCEPT},
            transport=transport,
            event_hooks={"request": [self._count_request]},
        )

    def poll(self, cursor: Cursor, now: datetime) -> PollResult:
        """Fetch every feed once; never raises for a failing feed."""
        known = _feed_validators(cursor)
        sent_before = self._sent
        outcomes = {url: self._poll_feed(url, known.get(url, {}), now) for url in self.feeds}
        waits = [o.retry_until for o in outcomes.values() if o.retry_until]
        return PollResult(
            posts=_dedupe(p for o in outcomes.values() for p in o.posts),
            cursor={"feeds": {url: dict(o.validators) for url, o in outcomes.items()}},
            problems=tuple(p for o in outcomes.values() for p in o.problems),
            # The source as a whole waits only when every feed does; else each feed waits alone.
            rate_limited_until=min(waits) if len(waits) == len(outcomes) and waits else None,
            requests=self._sent - sent_before,
        )

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def _count_request(self, request: httpx.Request) -> None:
        self._sent += 1  # redirects included: each one is a request the site sees

    def _poll_feed(self, url: str, known: Mapping[str, str], now: datetime) -> _FeedOutcome:
        waiting = _retry_until(known)
        if waiting is not None and waiting > now:  # this feed said 429: leave it alone until then
            return _FeedOutcome(known, retry_until=waiting)
        validators = {k: v for k, v in known.items() if k != _RETRY_KEY}
        fetched = conditional_get(self._client, url, validators, max_bytes=self._max_bytes, now=now)
        if isinstance(fetched, NotModified):
            return _FeedOutcome({**validators, **fetched.validators})
        if isinstance(fetched, Failed) and fetched.retry_until is not None:
            until = fetched.retry_until  # rate limited: not a failure, nothing lost
            return _FeedOutcome({**validators, _RETRY_KEY: until.isoformat()}, retry_until=until)
        if isinstance(fetched, Failed):
            return _FeedOutcome(validators, (), (Problem(url, fetched.message),))
        return self._parsed(url, validators, fetched, now)

    def _parsed(
        self, url: str, known: Mapping[str, str], body: Body, now: datetime
    ) -> _FeedOutcome:
        parsed = parse_feed(url, body, self._outposts.get(url), now)
        validators = body.validators if parsed.is_feed else known
        return _FeedOutcome(validators, parsed.posts, parsed.problems)


def parse_feed(url: str, body: Body, outpost: str | None, now: datetime) -> ParsedFeed:
    """Parse the body fetched for feed ``url`` into posts (feedparser never fetches)."""
    parsed = feedparser.parse(
        io.BytesIO(body.content),  # a BytesIO, so feedparser never treats it as a URL or a path
        # No content-location: feedparser would rewrite RSS guids into URLs against it.
        response_headers={"content-type": body.content_type},
        sanitize_html=False,  # storage keeps text verbatim; escaping is the display's job
        resolve_relative_uris=False,
    )
    entries = parsed.get("entries", [])
    if not parsed.get("version") and not entries:
        kind = body.content_type or "no content type"
        return ParsedFeed((), (Problem(url, f"not an RSS or Atom feed ({kind})"),), False)
    posts = [entry_to_post(e, body.url, outpost, now) for e in entries]
    problems = []
    if parsed.get("bozo"):
        kept = f"kept {len(entries)} entries"
        problems.append(Problem(url, f"malformed feed ({parsed.get('bozo_exception')}); {kept}"))
    if (skipped := posts.count(None)) > 0:
        problems.append(Problem(url, f"skipped {skipped} entries with neither id nor link"))
    return ParsedFeed(tuple(p for p in posts if p), tuple(problems), True)


def entry_to_post(
    entry: dict[str, Any], base_url: str, outpost: str | None, now: datetime
) -> Post | None:
    """One feedparser entry as a ``Post``; None when it has neither id nor link.

    The id is kept as published; a relative link is made absolute against ``base_url``.
    """
    link = _text(entry, "link") and urljoin(base_url, _text(entry, "link"))
    external_id = _text(entry, "id") or link
    if not external_id:
        return None
    title = _text(entry, "title")
    body = _text(entry, "summary") or _first_content(entry)
    return Post(
        platform="rss",
        external_id=external_id,
        text="\n\n".join(part for part in (title, body) if part),
        created_at=_published(entry) or now,
        url=link or None,
        author=_text(entry, "author") or None,
        title=title,
        outpost=outpost,
    )


def _text(entry: dict[str, Any], key: str) -> str:
    # dict.get skips FeedParserDict's key aliases, which warn (updated -> published).
    value = dict.get(entry, key)
    return value if isinstance(value, str) else ""


def _first_content(entry: dict[str, Any]) -> str:
    contents = dict.get(entry, "content") or []
    value = contents[0].get("value") if contents else None
    return value if isinstance(value, str) else ""


def _published(entry: dict[str, Any]) -> datetime | None:
    """published, else updated, as aware UTC (feedparser already converted it to UTC)."""
    for key in ("published_parsed", "updated_parsed"):
        stamp = dict.get(entry, key)
        if stamp:
            try:
                year, month, day, hour, minute, second = stamp[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


def _retry_until(known: Mapping[str, str]) -> datetime | None:
    value = known.get(_RETRY_KEY)
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _feed_validators(cursor: Cursor) -> dict[str, Mapping[str, str]]:
    feeds = cursor.get("feeds")
    if not isinstance(feeds, Mapping):
        return {}
    return {url: v for url, v in feeds.items() if isinstance(v, Mapping)}


def _dedupe(posts: Iterable[Post]) -> tuple[Post, ...]:
    """One post per external_id; the copy seen on an outpost feed wins."""
    kept: dict[str, Post] = {}
    for post in posts:
        first = kept.get(post.external_id)
        if first is None or (post.outpost and not first.outpost):
            kept[post.external_id] = post
    return tuple(kept.values())
