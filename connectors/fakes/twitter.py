"""``FakeX``: a local HTTP server speaking the X API v2 subset the X connector uses.

    with FakeX(bearer_token="t") as x:
        x.add_tweet("I love @acme", author="ann", created_at=now)
        TwitterConnector("x", bearer_token="t", ..., api_base_url=x.base_url)

Tweet text goes out HTML-escaped (``&amp; &lt; &gt;``) as X does; only tweets created up to
``clock()`` are visible, so a demo can run in simulated time.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.fakes._server import Reply, Request
from connectors.fakes._social import SocialServer, parse_query

__all__ = ["FakeTweet", "FakeUser", "FakeX", "snowflake"]

_RECENT = "/2/tweets/search/recent"
TWITTER_EPOCH_MS = 1288834974657
_BY_USERNAME = "/2/users/by/username/"


@dataclass(frozen=True)
class FakeUser:
    """An X account."""

    id: str
    username: str
    name: str
    followers: int


@dataclass(frozen=True)
class FakeTweet:
    """A tweet as stored by the fake (text unescaped, as the author typed it)."""

    id: str
    text: str
    author_id: str
    created_at: datetime
    lang: str = "en"
    in_reply_to: str | None = None  # username replied to, for ``to:handle``
    conversation_id: str | None = None
    referenced_tweets: tuple[Mapping[str, str], ...] = ()
    metrics: Mapping[str, int] = field(default_factory=dict)


class FakeX(SocialServer):
    """X API v2 on 127.0.0.1: recent search with pagination and user lookup."""

    def __init__(
        self, bearer_token: str = "test-token", clock: Callable[[], datetime] | None = None
    ) -> None:
        self.bearer_token = bearer_token
        self._data_lock = threading.Lock()
        self._tweets: list[FakeTweet] = []
        self._users: dict[str, FakeUser] = {}
        self._ids = itertools.count(1_000_000)  # user ids
        self._sequence = itertools.count()  # the low bits of tweet ids
        self.remaining = 450  # sent as x-rate-limit-remaining on every answer
        super().__init__(clock)

    def add_user(self, username: str, *, name: str | None = None, followers: int = 0) -> FakeUser:
        """Create (or replace) an account."""
        with self._data_lock:
            old = self._users.get(username.lower())
            user_id = old.id if old else str(next(self._ids))
            user = FakeUser(user_id, username, name or username, followers)
            self._users[username.lower()] = user
        return user

    def add_tweet(
        self,
        text: str,
        *,
        author: str = "someone",
        created_at: datetime | None = None,
        lang: str = "en",
        in_reply_to: str | None = None,
        tweet_id: str | None = None,
    ) -> FakeTweet:
        """Publish a tweet; its id is a snowflake of ``created_at``, as on X."""
        user = self._users.get(author.lower()) or self.add_user(author)
        created_at = created_at or self.clock()
        with self._data_lock:
            new_id = tweet_id or str(snowflake(created_at, next(self._sequence)))
            tweet = FakeTweet(
                id=new_id,
                text=text,
                author_id=user.id,
                created_at=created_at,
                lang=lang,
                in_reply_to=in_reply_to,
                conversation_id=new_id,
                metrics={"like_count": 0, "retweet_count": 0, "reply_count": 0},
            )
            self._tweets.append(tweet)
        return tweet

    def handle(self, request: Request) -> Reply:
        """Route one request."""
        if request.headers.get("authorization") != f"Bearer {self.bearer_token}":
            return _json(401, {"title": "Unauthorized", "status": 401, "detail": "Unauthorized"})
        if request.path == _RECENT:
            return self._with_quota(self._search(request.query))
        if request.path.startswith(_BY_USERNAME):
            return self._user(request.path.removeprefix(_BY_USERNAME), request.query)
        return _json(404, {"title": "Not Found Error", "status": 404})

    def _with_quota(self, reply: Reply) -> Reply:
        reset = int(self.clock().timestamp()) + 900
        quota = {"x-rate-limit-remaining": str(self.remaining), "x-rate-limit-reset": str(reset)}
        return Reply(reply.status, reply.body, {**reply.headers, **quota})

    def _search(self, query: Mapping[str, str]) -> Reply:
        try:
            matches = self._matching(query)
            size = int(query.get("max_results", "10"))
        except ValueError as e:
            return _json(400, {"title": "Invalid Request", "detail": str(e)})
        if not 10 <= size <= 100:
            return _json(400, {"title": "Invalid Request", "detail": "max_results: 10..100"})
        page, more = matches[:size], len(matches) > size
        body: dict[str, Any] = {"meta": _meta(page, more)}
        if page:
            body["data"] = [_tweet_json(t, query.get("tweet.fields", "")) for t in page]
        if page and "author_id" in query.get("expansions", ""):
            users = {t.author_id for t in page}
            fields = query.get("user.fields", "")
            body["includes"] = {"users": [self._user_json(u, fields) for u in sorted(users)]}
        return _json(200, body)

    def _matching(self, query: Mapping[str, str]) -> list[FakeTweet]:
        text = query.get("query", "")
        if not text or len(text) > 512:
            raise ValueError("query: 1..512 characters")
        matcher = parse_query(text)
        since = int(query.get("since_id", "0"))
        until = int(query.get("next_token", "0").removeprefix("nt") or 0) or None
        start = _parse_time(query.get("start_time"))
        now = self.clock()
        with self._data_lock:
            tweets = sorted(self._tweets, key=lambda t: int(t.id), reverse=True)
        return [
            t
            for t in tweets
            if t.created_at <= now
            and int(t.id) > since
            and (until is None or int(t.id) < until)
            and (start is None or t.created_at >= start)
            and matcher({"text": t.text, "to": t.in_reply_to or "", "lang": t.lang})
        ]

    def _user(self, username: str, query: Mapping[str, str]) -> Reply:
        user = self._users.get(username.lower())
        if user is None:
            return _json(200, {"errors": [{"title": "Not Found Error", "value": username}]})
        return _json(200, {"data": self._user_json(user.id, query.get("user.fields", ""))})

    def _user_json(self, user_id: str, fields: str) -> dict[str, Any]:
        user = next(u for u in self._users.values() if u.id == user_id)
        data: dict[str, Any] = {"id": user.id, "username": user.username, "name": user.name}
        if "public_metrics" in fields:
            data["public_metrics"] = {"followers_count": user.followers, "following_count": 0}
        return data


def snowflake(created_at: datetime, sequence: int = 0) -> int:
    """An X id: milliseconds since X's epoch in the high bits, a sequence in the low 22."""
    millis = int(created_at.timestamp() * 1000) - TWITTER_EPOCH_MS
    return (millis << 22) | (sequence & 0x3FFFFF)


def _meta(page: list[FakeTweet], more: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"result_count": len(page)}
    if page:
        meta |= {"newest_id": page[0].id, "oldest_id": page[-1].id}
    if more:
        meta["next_token"] = f"nt{page[-1].id}"
    return meta


def _tweet_json(tweet: FakeTweet, fields: str) -> dict[str, Any]:
    escaped = tweet.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    data: dict[str, Any] = {"id": tweet.id, "text": escaped, "edit_history_tweet_ids": [tweet.id]}
    data["author_id"] = tweet.author_id
    optional = {
        "created_at": tweet.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "lang": tweet.lang,
        "public_metrics": dict(tweet.metrics),
        "conversation_id": tweet.conversation_id,
        "referenced_tweets": [dict(r) for r in tweet.referenced_tweets] or None,
    }
    wanted = set(fields.split(","))
    data |= {k: v for k, v in optional.items() if k in wanted and v is not None}
    return data


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _json(status: int, body: object) -> Reply:
    return Reply(status, json.dumps(body).encode(), {"content-type": "application/json"})
