"""Reddit connector: praw with application-only OAuth (client id + secret, no user).

Keyword search runs on ``r/all`` (sort=new); each ``reddit:r/sub`` outpost adds that
subreddit's new submissions and new comments. The cursor keeps, per listing, the newest
fullname seen (sent as ``before`` next time) and its creation time (a fallback when that item
was deleted, since Reddit then answers ``before`` with an empty page).

Reach: ``subreddit_subscribers`` for submissions (the audience of the subreddit); Reddit does
not send it with comments, so comments carry their score.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import praw
import prawcore
import requests

from connectors._ratelimit import Throttled, quota_spent, reddit_reset, retry
from connectors._search import build_queries
from connectors._types import BrandWatch, Cursor, PollResult, Post, Problem
from connectors.errors import AuthError, TransientError

__all__ = ["RedditConnector"]

_REDDIT = "https://www.reddit.com"
_MAX_PAGES = 10  # Reddit listings stop at about 1000 items anyway
_TOKEN_PATH = "/api/v1/access_token"


class _ServerError(Exception):
    """A 5xx answer (raised inside our requestor so prawcore does not retry with real sleeps)."""


class _Refused(Exception):
    def __init__(self, status: int, url: str) -> None:
        super().__init__(f"{status} for {url}")
        self.status = status
        self.url = url


class _TooMany(Exception):
    def __init__(self, headers: Mapping[str, str]) -> None:
        super().__init__("429")
        self.headers = headers


_TRANSIENT = (_ServerError, requests.Timeout, requests.ConnectionError)


@dataclass
class _Gauge:
    """What the requestor tells the connector: requests sent, headers of the last answer."""

    sent: int = 0
    last_headers: Mapping[str, str] = field(default_factory=dict)


class _Requestor(prawcore.Requestor):
    """prawcore's requestor with our timeout, retries (injected sleep) and rate-limit handling.
    It strips ``x-ratelimit-*`` before prawcore sees them: prawcore would ``time.sleep`` on them,
    while we stop the poll and report ``rate_limited_until`` instead."""

    def __init__(
        self, *args: Any, sleep: Callable[[float], None], gauge: _Gauge, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sleep = sleep
        self.gauge = gauge

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> requests.Response:
        """One HTTP request with bounded retries for 5xx and network errors."""
        response = retry(lambda: self._send(args, kwargs), _TRANSIENT, self.sleep)
        if response.status_code == 429:
            raise _TooMany(response.headers)
        if response.status_code in (401, 403):
            raise _Refused(response.status_code, str(args[1] if len(args) > 1 else ""))
        self.gauge.last_headers = dict(response.headers)
        for name in [h for h in response.headers if h.lower().startswith("x-ratelimit-")]:
            del response.headers[name]
        return response

    def _send(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> requests.Response:
        self.gauge.sent += 1
        options = {**kwargs, "timeout": self.timeout}  # praw leaves token requests without one
        response: requests.Response = self._http.request(*args, **options)
        if response.status_code >= 500:
            raise _ServerError(f"{response.status_code} from {response.url}")
        return response


@dataclass(frozen=True)
class _Listing:
    key: str  # cursor key: "search:<q>", "new:r/acme", "comments:r/acme"
    path: str
    params: Mapping[str, str]
    outpost: str | None = None


@dataclass
class _Poll:
    posts: dict[str, Post] = field(default_factory=dict)
    marks: dict[str, Mapping[str, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    completed: int = 0


class RedditConnector:
    """Polls Reddit search and ``reddit:r/sub`` outposts with application-only OAuth."""

    def __init__(
        self,
        name: str,
        *,
        client_id: str,
        client_secret: str,
        credential_envs: tuple[str, str],
        user_agent: str,
        watches: Sequence[BrandWatch],
        api_base_url: str | None = None,
        backfill: timedelta = timedelta(hours=24),
        limit: int = 100,
        timeout: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.credential_envs = credential_envs
        self.listings = _listings_for(watches, min(limit, 100))
        self.backfill = backfill
        self.limit = min(limit, 100)
        base = (api_base_url or "").rstrip("/")
        self._session = requests.Session()
        self._gauge = _Gauge()
        credentials = zip(credential_envs, (client_id, client_secret), strict=True)
        self._missing = next((env for env, value in credentials if not value), None)
        self._reddit = praw.Reddit(
            client_id=client_id or "missing",  # praw refuses to build without one
            client_secret=client_secret or "missing",
            user_agent=user_agent,
            oauth_url=base or "https://oauth.reddit.com",
            reddit_url=base or _REDDIT,  # prawcore asks reddit_url for /api/v1/access_token
            check_for_updates=False,
            requestor_class=_Requestor,
            requestor_kwargs={
                "session": self._session,
                "timeout": timeout,
                "sleep": sleep,
                "gauge": self._gauge,
            },
        )

    def poll(self, cursor: Cursor, now: datetime) -> PollResult:
        """Fetch what is new in every listing since the cursor (or within ``backfill``)."""
        if self._missing:
            raise AuthError(self.name, self._missing, "Reddit credential is not set")
        old: Mapping[str, Mapping[str, str]] = cursor.get("listings", {})
        state = _Poll(marks={k: v for k, v in old.items() if k in {s.key for s in self.listings}})
        sent_before = self._gauge.sent
        self._gauge.last_headers = {}  # the app only polls again once the window has reset
        until: datetime | None = None
        try:
            for listing in self.listings:
                self._run(listing, old.get(listing.key), now, state)
            self._check_quota(now)  # spent by the last page: tell the app to wait
        except Throttled as e:
            until = e.until
        if self.listings and not state.completed and until is None:
            raise TransientError(self.name, "; ".join(p.message for p in state.problems))
        return PollResult(
            posts=tuple(state.posts.values()),
            cursor={"listings": state.marks},
            problems=tuple(state.problems),
            rate_limited_until=until,
            requests=self._gauge.sent - sent_before,
        )

    def close(self) -> None:
        """Release the HTTP session."""
        self._session.close()

    def _run(
        self, listing: _Listing, mark: Mapping[str, str] | None, now: datetime, state: _Poll
    ) -> None:
        posts: list[Post] = []
        try:
            posts.extend(self._fetch(listing, mark, now))
        except _TooMany as e:
            _keep(posts, state)  # returned now, fetched again later: the mark stays put
            raise Throttled(reddit_reset(e.headers, now)) from e
        except Throttled:
            _keep(posts, state)
            raise
        except _Refused as e:
            if e.status == 401 or e.url.endswith(_TOKEN_PATH):
                raise self._auth_error(e) from e
            state.problems.append(Problem(listing.key, f"refused: {e}"))
            return
        except (
            *_TRANSIENT,
            prawcore.PrawcoreException,
            praw.exceptions.PRAWException,
            ValueError,
        ) as e:
            state.problems.append(Problem(listing.key, f"{type(e).__name__}: {e}"))
            return
        state.completed += 1
        _keep(posts, state)
        if posts:
            newest = max(posts, key=lambda p: p.created_at)
            state.marks[listing.key] = {
                "newest": newest.external_id,
                "at": newest.created_at.isoformat(),
            }

    def _auth_error(self, e: _Refused) -> AuthError:
        id_env, secret_env = self.credential_envs
        message = f"Reddit refused the app credentials ({e}; the client id comes from {id_env})"
        return AuthError(self.name, secret_env, message)

    def _fetch(
        self, listing: _Listing, mark: Mapping[str, str] | None, now: datetime
    ) -> Iterator[Post]:
        if mark is None:
            yield from self._backfill(listing, now - self.backfill, now)
            return
        found = False
        for post in self._newer(listing, mark["newest"], now):
            found = True
            yield post
        if not found:  # empty ``before`` page: nothing new, or the anchor item was deleted
            since = datetime.fromisoformat(mark["at"])
            page = self._page(listing, {}, now)
            yield from (
                p for p in page if p.created_at >= since and p.external_id != mark["newest"]
            )

    def _backfill(self, listing: _Listing, oldest: datetime, now: datetime) -> Iterator[Post]:
        after: str | None = None
        for _ in range(_MAX_PAGES):
            page = self._page(listing, {"after": after} if after else {}, now)
            for post in page:
                if post.created_at < oldest:
                    return
                yield post
            if len(page) < self.limit:
                return
            after = page[-1].external_id

    def _newer(self, listing: _Listing, before: str, now: datetime) -> Iterator[Post]:
        for _ in range(_MAX_PAGES):
            page = self._page(listing, {"before": before}, now)
            yield from page
            if len(page) < self.limit:
                return
            before = page[0].external_id  # pages are newest first: walk up from the anchor

    def _check_quota(self, now: datetime) -> None:
        headers = self._gauge.last_headers
        if quota_spent(headers, "x-ratelimit-remaining"):
            raise Throttled(reddit_reset(headers, now))

    def _page(self, listing: _Listing, extra: Mapping[str, str], now: datetime) -> list[Post]:
        self._check_quota(now)
        result = self._reddit.get(listing.path, params={**listing.params, **extra})
        if not isinstance(result, praw.models.Listing):
            raise ValueError(f"not a listing: {type(result).__name__}")
        return [_post(vars(result[i]), listing.outpost) for i in range(len(result))]


def _keep(posts: list[Post], state: _Poll) -> None:
    """Add ``posts`` to the poll, the outpost-marked copy winning over a keyword match."""
    for post in posts:
        if post.outpost or post.external_id not in state.posts:
            state.posts[post.external_id] = post


def _listings_for(watches: Sequence[BrandWatch], limit: int) -> list[_Listing]:
    subs = sorted(
        {
            o.removeprefix("reddit:r/")
            for w in watches
            for o in w.outposts
            if o.startswith("reddit:r/")
        }
    )
    listings: list[_Listing] = []
    for sub in subs:
        outpost = f"reddit:r/{sub}"
        for what in ("new", "comments"):
            listings.append(
                _Listing(f"{what}:r/{sub}", f"r/{sub}/{what}", {"limit": str(limit)}, outpost)
            )
    queries = sorted({q for w in watches for q in build_queries(w, negate="NOT ")})
    search = {
        "sort": "new",
        "restrict_sr": "False",
        "syntax": "lucene",
        "t": "all",
        "limit": str(limit),
    }
    listings += [_Listing(f"search:{q}", "r/all/search", {**search, "q": q}) for q in queries]
    return listings


def _post(data: Mapping[str, Any], outpost: str | None) -> Post:
    fullname = str(data["name"])
    is_comment = fullname.startswith("t1_")
    title = "" if is_comment else str(data.get("title", ""))
    text = str(data.get("body", "")) if is_comment else f"{title}\n\n{data.get('selftext', '')}"
    reach = data.get("score") if is_comment else data.get("subreddit_subscribers")
    extra = {"subreddit": str(data.get("subreddit", ""))}
    if is_comment:
        extra |= {
            "link_id": str(data.get("link_id", "")),
            "parent_id": str(data.get("parent_id", "")),
        }
    author = data.get("author")
    return Post(
        platform="reddit",
        external_id=fullname,
        text=text,
        created_at=datetime.fromtimestamp(float(data["created_utc"]), UTC),
        url=_REDDIT + str(data["permalink"]),
        author=str(author) if author else None,
        title=title,
        reach=int(reach) if reach is not None else None,
        outpost=outpost,
        extra={k: v for k, v in extra.items() if v},
    )
