"""``FakeReddit``: a local HTTP server speaking the Reddit API subset praw uses for us.

    with FakeReddit(client_id="id", client_secret="secret") as r:
        r.add_post("acme", "Acme broke", "details", author="ann", created_at=now)
        RedditConnector("reddit", ..., api_base_url=r.base_url)

Application-only OAuth (``POST /api/v1/access_token`` with basic auth), then listings
(``/r/all/search``, ``/r/{sub}/new``, ``/r/{sub}/comments``) newest first with ``after`` /
``before`` paging, and ``x-ratelimit-*`` headers. Only items created up to ``clock()`` show.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from connectors.fakes._server import Reply, Request
from connectors.fakes._social import SocialServer, parse_query

__all__ = ["FakeItem", "FakeReddit"]

_TOKEN_PATH = "/api/v1/access_token"


@dataclass(frozen=True)
class FakeItem:
    """A submission (``kind="t3"``) or comment (``kind="t1"``)."""

    kind: str
    id: str
    subreddit: str
    author: str
    created_at: datetime
    title: str = ""
    body: str = ""
    score: int = 1
    link_id: str = ""  # comments: the submission's fullname

    @property
    def fullname(self) -> str:
        """``t3_abc`` / ``t1_def``."""
        return f"{self.kind}_{self.id}"


class FakeReddit(SocialServer):
    """Reddit's OAuth API on 127.0.0.1."""

    def __init__(
        self,
        client_id: str = "test-id",
        client_secret: str = "test-secret",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.remaining = 996.0  # x-ratelimit-remaining sent with every listing
        self.reset_seconds = 300  # x-ratelimit-reset: seconds until the window resets
        self.subscribers: dict[str, int] = {}
        self._data_lock = threading.Lock()
        self._items: list[FakeItem] = []
        self._tokens: set[str] = set()
        self._ids = itertools.count(1000)
        super().__init__(clock)

    def add_post(
        self,
        subreddit: str,
        title: str,
        selftext: str = "",
        *,
        author: str = "someone",
        created_at: datetime | None = None,
        score: int = 1,
    ) -> FakeItem:
        """Publish a self post in ``subreddit``."""
        return self._add(
            "t3", subreddit, author, created_at, title=title, body=selftext, score=score
        )

    def add_comment(
        self,
        post: FakeItem,
        body: str,
        *,
        author: str = "someone",
        created_at: datetime | None = None,
        score: int = 1,
    ) -> FakeItem:
        """Comment on ``post``."""
        return self._add(
            "t1", post.subreddit, author, created_at, body=body, score=score, link_id=post.fullname
        )

    def _add(
        self, kind: str, sub: str, author: str, created_at: datetime | None, **fields: Any
    ) -> FakeItem:
        with self._data_lock:
            item_id = format(next(self._ids), "x")
            item = FakeItem(kind, item_id, sub, author, created_at or self.clock(), **fields)
            self._items.append(item)
        return item

    def remove(self, item: FakeItem) -> None:
        """Delete an item (a ``before`` anchor that is gone makes Reddit answer empty pages)."""
        with self._data_lock:
            self._items.remove(item)

    def handle(self, request: Request) -> Reply:
        """Route one request."""
        if request.path == _TOKEN_PATH:
            return self._token(request)
        token = request.headers.get("authorization", "").removeprefix("bearer ")
        if token not in self._tokens:
            return _json(401, {"message": "Unauthorized", "error": 401})
        parts = request.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "r" and parts[2] in ("new", "comments", "search"):
            return self._listing(parts[1], parts[2], request.query)
        return _json(404, {"message": "Not Found", "error": 404})

    def _token(self, request: Request) -> Reply:
        expected = f"{self.client_id}:{self.client_secret}".encode()
        sent = request.headers.get("authorization", "").removeprefix("Basic ")
        form = dict(parse_qsl(request.body.decode()))
        if base64.b64decode(sent or "") != expected:
            return _json(401, {"message": "Unauthorized", "error": 401})
        if form.get("grant_type") != "client_credentials":
            return _json(200, {"error": "unsupported_grant_type"})
        token = secrets.token_hex(8)
        with self._data_lock:
            self._tokens.add(token)
        body = {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        return _json(200, body)

    def _listing(self, sub: str, what: str, query: Mapping[str, str]) -> Reply:
        try:
            items = self._visible(sub, what, query)
            limit = min(int(query.get("limit", "25")), 100)
        except ValueError as e:
            return _json(400, {"message": str(e), "error": 400})
        page, before, after = _page(items, query, limit)
        children = [{"kind": i.kind, "data": self._data(i)} for i in page]
        body = {"kind": "Listing", "data": {"children": children, "after": after, "before": before}}
        used = 1000 - int(self.remaining)
        quota = {
            "x-ratelimit-remaining": f"{self.remaining:.1f}",
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(self.reset_seconds),
        }
        return _json(200, body, quota)

    def _visible(self, sub: str, what: str, query: Mapping[str, str]) -> list[FakeItem]:
        kind = "t1" if what == "comments" else "t3"
        matcher = parse_query(query["q"]) if what == "search" else (lambda _: True)
        now = self.clock()
        with self._data_lock:
            items = list(self._items)
        chosen = [
            i
            for i in items
            if i.kind == kind
            and i.created_at <= now
            and (sub.lower() == "all" or i.subreddit.lower() == sub.lower())
            and matcher({"text": f"{i.title}\n\n{i.body}"})
        ]
        return sorted(chosen, key=lambda i: (i.created_at, int(i.id, 16)), reverse=True)

    def _data(self, item: FakeItem) -> dict[str, Any]:
        link = item.link_id.removeprefix("t3_") if item.kind == "t1" else item.id
        permalink = f"/r/{item.subreddit}/comments/{link}/slug/"
        data: dict[str, Any] = {
            "id": item.id,
            "name": item.fullname,
            "author": item.author,
            "subreddit": item.subreddit,
            "subreddit_name_prefixed": f"r/{item.subreddit}",
            "created_utc": item.created_at.timestamp(),
            "score": item.score,
            "permalink": permalink if item.kind == "t3" else f"{permalink}{item.id}/",
        }
        if item.kind == "t1":
            return data | {"body": item.body, "link_id": item.link_id, "parent_id": item.link_id}
        return data | {
            "title": item.title,
            "selftext": item.body,
            "is_self": True,
            "url": f"https://www.reddit.com{permalink}",
            "subreddit_subscribers": self.subscribers.get(item.subreddit.lower(), 0),
            "num_comments": 0,
            "over_18": False,
        }


def _page(
    items: list[FakeItem], query: Mapping[str, str], limit: int
) -> tuple[list[FakeItem], str | None, str | None]:
    """Reddit's paging: ``after`` = older than that item, ``before`` = the ``limit`` items just
    newer than it; an anchor that is not in the listing gives an empty page, as on Reddit."""
    names = [i.fullname for i in items]
    start, stop = 0, len(items)
    if anchor := query.get("after"):
        start = names.index(anchor) + 1 if anchor in names else len(items)
    elif anchor := query.get("before"):
        stop = names.index(anchor) if anchor in names else 0
        start = max(stop - limit, 0)
    page = items[start : min(stop, start + limit)]
    if not page:
        return [], None, None
    end = start + len(page)
    before = page[0].fullname if start > 0 else None
    after = page[-1].fullname if end < len(items) else None
    return page, before, after


def _json(status: int, body: object, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(
        status, json.dumps(body).encode(), {"content-type": "application/json", **(headers or {})}
    )
