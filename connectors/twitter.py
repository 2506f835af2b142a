"""X/Twitter connector: recent search through tweepy's v2 ``Client``.

Each brand's keywords become one or more queries under X's 512-character limit; each
``twitter:@handle`` outpost becomes ``@handle OR to:handle``. The cursor keeps a ``since_id``
per query string, so changing a brand's keywords starts those queries afresh with a backfill.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter

from connectors._ratelimit import Throttled, quota_spent, retry, x_reset
from connectors._search import MAX_QUERY, build_queries
from connectors._types import BrandWatch, Cursor, PollResult, Post, Problem
from connectors.errors import AuthError, TransientError

__all__ = ["MAX_QUERY", "TwitterConnector", "build_queries", "unescape"]

_X_HOST = "https://api.twitter.com"
_OLDEST = timedelta(days=7) - timedelta(minutes=1)  # recent search reaches back 7 days
_X_EPOCH_MS = 1288834974657  # snowflake ids count milliseconds from here
_TRANSIENT = (tweepy.TwitterServerError, requests.Timeout, requests.ConnectionError)
_ESCAPED = re.compile(r"&(amp|lt|gt);")
_TWEET_FIELDS = ["created_at", "lang", "public_metrics", "conversation_id", "referenced_tweets"]
_USER_FIELDS = ["username", "name", "public_metrics"]


@dataclass(frozen=True)
class _Query:
    text: str
    outpost: str | None = None


@dataclass
class _Poll:
    """What one poll gathered so far."""

    posts: dict[str, Post] = field(default_factory=dict)
    since_ids: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    completed: int = 0


class _RebaseAdapter(HTTPAdapter):
    """Sends tweepy's requests to ``base_url`` (tweepy hard-codes its host), always with a
    timeout, and remembers the last response headers for rate-limit bookkeeping."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.sent = 0
        self.last_headers: Mapping[str, str] = {}

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Rewrite the host, force the timeout, count the request."""
        if request.url and request.url.startswith(_X_HOST):
            request.url = self.base_url + request.url.removeprefix(_X_HOST)
        kwargs["timeout"] = self.timeout
        self.sent += 1
        response = super().send(request, *args, **kwargs)
        self.last_headers = response.headers
        return response


class TwitterConnector:
    """Polls X recent search for brand keywords and ``twitter:@handle`` outposts."""

    def __init__(
        self,
        name: str,
        *,
        bearer_token: str,
        credential_env: str,
        watches: Sequence[BrandWatch],
        api_base_url: str | None = None,
        backfill: timedelta = timedelta(hours=24),
        max_pages: int = 5,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.credential_env = credential_env
        self.queries = _queries_for(watches)
        self.backfill = min(backfill, _OLDEST)
        self.max_pages = max_pages
        self.sleep = sleep
        # wait_on_rate_limit stays off: without a reset header tweepy retries at once.
        self._client = tweepy.Client(bearer_token=bearer_token, return_type=dict)
        self._adapter = _RebaseAdapter(api_base_url or _X_HOST, timeout)
        self._client.session.mount(_X_HOST, self._adapter)

    def poll(self, cursor: Cursor, now: datetime) -> PollResult:
        """Run every query once (up to ``max_pages`` pages each) and return new posts."""
        if not self._client.bearer_token:
            raise AuthError(self.name, self.credential_env, "X bearer token is not set")
        old: Mapping[str, str] = cursor.get("since_ids", {})
        state = _Poll(since_ids={q.text: old[q.text] for q in self.queries if q.text in old})
        sent_before = self._adapter.sent
        self._adapter.last_headers = {}
        until: datetime | None = None
        try:
            for query in self.queries:
                self._run_query(query, old.get(query.text), now, state)
        except Throttled as e:
            until = e.until
        if self.queries and not state.completed and until is None:
            raise TransientError(self.name, "; ".join(p.message for p in state.problems))
        return PollResult(
            posts=tuple(state.posts.values()),
            cursor={"since_ids": state.since_ids},
            problems=tuple(state.problems),
            rate_limited_until=until,
            requests=self._adapter.sent - sent_before,
        )

    def close(self) -> None:
        """Release the HTTP session."""
        self._client.session.close()

    def _run_query(self, query: _Query, since_id: str | None, now: datetime, state: _Poll) -> None:
        if since_id is not None and _tweet_time(since_id) < now - _OLDEST:
            # X refuses a since_id older than 7 days: backfill, and say what is out of reach
            state.problems.append(Problem(query.text, "cursor older than 7 days, gap skipped"))
            since_id = None
        try:
            newest = self._fetch(query, since_id, now, state)
        except tweepy.TooManyRequests as e:
            raise Throttled(x_reset(e.response.headers, now)) from e
        except (tweepy.Unauthorized, tweepy.Forbidden) as e:
            message = f"X refused the bearer token ({e.response.status_code})"
            raise AuthError(self.name, self.credential_env, message) from e
        except (*_TRANSIENT, tweepy.HTTPException, ValueError, KeyError, TypeError) as e:
            state.problems.append(Problem(query.text, f"{type(e).__name__}: {e}"))
            return
        state.completed += 1
        if newest is not None:
            state.since_ids[query.text] = newest
        if quota_spent(self._adapter.last_headers, "x-rate-limit-remaining"):
            raise Throttled(x_reset(self._adapter.last_headers, now))

    def _fetch(
        self, query: _Query, since_id: str | None, now: datetime, state: _Poll
    ) -> str | None:
        """Page through one query; return the newest id seen (the next ``since_id``)."""
        newest: str | None = None
        for page, body in enumerate(self._pages(query.text, since_id, now)):
            newest = newest or body.get("meta", {}).get("newest_id")
            for post in _posts(body, query.outpost):
                if post.outpost or post.external_id not in state.posts:
                    state.posts[post.external_id] = post
            more = body.get("meta", {}).get("next_token")
            if more and page + 1 == self.max_pages and since_id is not None:
                state.problems.append(Problem(query.text, "page cap reached, older posts skipped"))
        return newest

    def _pages(self, text: str, since_id: str | None, now: datetime) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {
            "max_results": 100,
            "expansions": ["author_id"],
            "tweet_fields": _TWEET_FIELDS,
            "user_fields": _USER_FIELDS,
        }
        if since_id is None:
            params["start_time"] = now - self.backfill
        else:
            params["since_id"] = since_id
        for _ in range(self.max_pages):
            body = retry(
                lambda: self._client.search_recent_tweets(text, **params), _TRANSIENT, self.sleep
            )
            yield body
            params["next_token"] = body.get("meta", {}).get("next_token")
            if not params["next_token"]:
                return


def _queries_for(watches: Sequence[BrandWatch]) -> list[_Query]:
    outposts = {o for w in watches for o in w.outposts if o.startswith("twitter:@")}
    queries = [_Query(f"@{o[9:]} OR to:{o[9:]}", o) for o in sorted(outposts)]
    keyword_queries = {q for w in watches for q in build_queries(w)}
    return queries + [_Query(q) for q in sorted(keyword_queries)]


def _tweet_time(tweet_id: str) -> datetime:
    """When a tweet was created, read from its snowflake id (0 for ids that are not)."""
    millis = (int(tweet_id) >> 22) + _X_EPOCH_MS if tweet_id.isdigit() else 0
    return datetime.fromtimestamp(millis / 1000, UTC)


def _posts(body: Mapping[str, Any], outpost: str | None) -> Iterator[Post]:
    users = {u["id"]: u for u in body.get("includes", {}).get("users", [])}
    for tweet in body.get("data", []):
        yield _post(tweet, users.get(tweet.get("author_id", "")), outpost)


def _post(tweet: Mapping[str, Any], user: Mapping[str, Any] | None, outpost: str | None) -> Post:
    username = user["username"] if user else None
    followers = (user or {}).get("public_metrics", {}).get("followers_count")
    extra = {"conversation_id": tweet.get("conversation_id", "")}
    for ref in tweet.get("referenced_tweets") or []:
        extra[ref["type"]] = ref["id"]  # replied_to / quoted / retweeted -> tweet id
    return Post(
        platform="twitter",
        external_id=tweet["id"],
        text=unescape(tweet["text"]),
        created_at=datetime.fromisoformat(tweet["created_at"]).astimezone(UTC),
        url=f"https://x.com/{username or 'i/web'}/status/{tweet['id']}",
        author=username,
        reach=followers,
        lang=tweet.get("lang"),
        outpost=outpost,
        extra={k: v for k, v in extra.items() if v},
    )


def unescape(text: str) -> str:
    """Undo X's escaping of ``&``, ``<`` and ``>`` exactly once (``&amp;lt;`` -> ``&lt;``)."""
    return _ESCAPED.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)
