"""The fake X and Reddit servers speak the wire formats the connectors rely on."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from connectors.fakes._social import parse_query
from connectors.fakes.reddit import FakeReddit
from connectors.fakes.twitter import FakeX

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SEARCH = "/2/tweets/search/recent"


def x_get(fake: FakeX, path: str, token: str = "t", **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(fake.base_url + path, params=params, headers=headers, timeout=5)


@pytest.mark.parametrize(
    ("query", "item", "matches"),
    [
        ('"acme corp"', {"text": "I like Acme Corp."}, True),
        ('"acme corp"', {"text": "acme and corp"}, False),
        ("acme", {"text": "acmeville"}, False),
        ("acme", {"text": "hi @acme"}, False),
        ("@acme", {"text": "hi @acme"}, True),
        ('("a" OR "b") -"c"', {"text": "b here"}, True),
        ('("a" OR "b") -"c"', {"text": "b and c"}, False),
        ('"a" NOT "c"', {"text": "a and c"}, False),
        ("@acme OR to:acme", {"text": "thanks", "to": "ACME"}, True),
        ("acme lang:fr", {"text": "acme", "lang": "en"}, False),
    ],
)
def test_query_subset(query: str, item: dict[str, str], matches: bool) -> None:
    assert parse_query(query)(item) is matches


def test_unbalanced_query_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse_query('("a" OR "b"')


def test_x_rejects_a_wrong_bearer_token() -> None:
    with FakeX(bearer_token="t") as fake:
        assert x_get(fake, SEARCH, token="nope", query="a").status_code == 401


def test_x_escapes_text_and_expands_authors() -> None:
    with FakeX(bearer_token="t", clock=lambda: NOW) as fake:
        fake.add_user("ann", name="Ann A.", followers=10)
        tweet = fake.add_tweet("acme <3 & co", author="ann", created_at=NOW)
        body = x_get(
            fake,
            SEARCH,
            query="acme",
            expansions="author_id",
            **{"user.fields": "public_metrics", "tweet.fields": "created_at,lang"},
        ).json()
    assert body["data"] == [
        {
            "id": tweet.id,
            "text": "acme &lt;3 &amp; co",
            "edit_history_tweet_ids": [tweet.id],
            "author_id": tweet.author_id,
            "created_at": "2026-03-02T12:00:00.000Z",
            "lang": "en",
        }
    ]
    (user,) = body["includes"]["users"]
    assert (user["username"], user["public_metrics"]["followers_count"]) == ("ann", 10)
    assert body["meta"] == {"result_count": 1, "newest_id": tweet.id, "oldest_id": tweet.id}


def test_x_paginates_with_next_token_and_filters_by_since_id_and_time() -> None:
    with FakeX(bearer_token="t", clock=lambda: NOW) as fake:
        tweets = [
            fake.add_tweet(f"acme {i}", created_at=NOW - timedelta(minutes=i)) for i in range(15)
        ]
        fake.add_tweet("acme future", created_at=NOW + timedelta(minutes=1))
        first = x_get(fake, SEARCH, query="acme", max_results=10).json()
        second = x_get(
            fake, SEARCH, query="acme", max_results=10, next_token=first["meta"]["next_token"]
        ).json()
        newer = x_get(fake, SEARCH, query="acme", since_id=tweets[5].id, max_results=100).json()
        recent = x_get(fake, SEARCH, query="acme", start_time="2026-03-02T11:58:00Z").json()
    ids = [t["id"] for t in first["data"] + second["data"]]
    assert ids == [t.id for t in tweets]  # newest first; ids grow with creation time
    assert "next_token" not in second["meta"]
    assert [t["id"] for t in newer["data"]] == [t.id for t in tweets[:5]]
    assert [t["id"] for t in recent["data"]] == [t.id for t in tweets[:3]]


def test_x_validates_query_length_and_page_size() -> None:
    with FakeX(bearer_token="t") as fake:
        assert x_get(fake, SEARCH, query="a" * 513).status_code == 400
        assert x_get(fake, SEARCH, query="a", max_results=5).status_code == 400


def test_x_looks_up_users() -> None:
    with FakeX(bearer_token="t") as fake:
        user = fake.add_user("Acme", followers=99)
        body = x_get(fake, "/2/users/by/username/acme", **{"user.fields": "public_metrics"}).json()
    assert body["data"]["id"] == user.id
    assert body["data"]["public_metrics"]["followers_count"] == 99


def test_injected_faults_skip_count_and_expire() -> None:
    with FakeX(bearer_token="t") as fake:
        fake.inject(SEARCH, 429, times=2, skip=1, headers={"x-rate-limit-reset": "123"})
        statuses = [x_get(fake, SEARCH, query="a").status_code for _ in range(4)]
        limited = fake.requests[1]
        fake.inject(SEARCH, 200, malformed=True)
        broken = x_get(fake, SEARCH, query="a")
    assert statuses == [200, 429, 429, 200]
    assert (limited.method, limited.path, limited.query) == ("GET", SEARCH, {"query": "a"})
    assert limited.headers["authorization"] == "Bearer t"
    with pytest.raises(ValueError):
        broken.json()


def test_stop_releases_a_delayed_answer() -> None:
    before = set(threading.enumerate())
    fake = FakeX(bearer_token="t").start()
    fake.inject(SEARCH, 503, delay=30)
    with pytest.raises(requests.Timeout):
        requests.get(fake.url(SEARCH), headers={"Authorization": "Bearer t"}, timeout=0.2)
    fake.stop()
    deadline = time.monotonic() + 2
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert set(threading.enumerate()) <= before  # the delayed handler did not sleep on


def test_429_carries_the_reset_header() -> None:
    with FakeX(bearer_token="t") as fake:
        fake.inject(SEARCH, 429, headers={"x-rate-limit-reset": "1700000000"})
        assert x_get(fake, SEARCH, query="a").headers["x-rate-limit-reset"] == "1700000000"


def reddit_token(fake: FakeReddit, secret: str = "s") -> requests.Response:
    return requests.post(
        fake.base_url + "/api/v1/access_token",
        auth=("i", secret),
        data={"grant_type": "client_credentials"},
        timeout=5,
    )


def reddit_get(fake: FakeReddit, path: str, **params: Any) -> requests.Response:
    token = reddit_token(fake).json()["access_token"]
    headers = {"Authorization": f"bearer {token}"}
    return requests.get(fake.base_url + path, params=params, headers=headers, timeout=5)


def test_reddit_token_needs_the_client_credentials() -> None:
    with FakeReddit(client_id="i", client_secret="s") as fake:
        assert reddit_token(fake, secret="bad").status_code == 401
        assert reddit_token(fake).json()["token_type"] == "bearer"
        anonymous = requests.get(fake.base_url + "/r/acme/new", timeout=5)
    assert anonymous.status_code == 401


def test_reddit_listing_shape_and_rate_limit_headers() -> None:
    with FakeReddit(client_id="i", client_secret="s", clock=lambda: NOW) as fake:
        post = fake.add_post("acme", "Title", "Body", author="ann", created_at=NOW)
        fake.add_comment(post, "a comment", created_at=NOW)
        fake.add_post("acme", "not yet", created_at=NOW + timedelta(hours=1))
        response = reddit_get(fake, "/r/acme/new", limit=10)
        comments = reddit_get(fake, "/r/acme/comments").json()
    body = response.json()
    assert body["kind"] == "Listing"
    (child,) = body["data"]["children"]
    assert child["kind"] == "t3"
    assert child["data"]["name"] == post.fullname
    assert (child["data"]["title"], child["data"]["selftext"]) == ("Title", "Body")
    assert child["data"]["created_utc"] == NOW.timestamp()
    assert {"after", "before"} <= set(body["data"])
    assert float(response.headers["x-ratelimit-remaining"]) > 0
    assert comments["data"]["children"][0]["data"]["link_id"] == post.fullname


def test_reddit_pages_with_after_and_before() -> None:
    with FakeReddit(client_id="i", client_secret="s", clock=lambda: NOW) as fake:
        items = [
            fake.add_post("acme", f"p{i}", created_at=NOW - timedelta(minutes=9 - i))
            for i in range(10)
        ]
        newest_first = [i.fullname for i in reversed(items)]

        def names(**params: Any) -> list[str]:
            data = reddit_get(fake, "/r/acme/new", **params).json()["data"]
            return [c["data"]["name"] for c in data["children"]]

        assert names(limit=3) == newest_first[:3]
        assert names(limit=3, after=newest_first[2]) == newest_first[3:6]
        assert names(limit=3, before=newest_first[5]) == newest_first[2:5]
        assert names(limit=3, before=newest_first[0]) == []
        fake.remove(items[0])
        assert names(limit=3, before=items[0].fullname) == []


def test_reddit_search_matches_title_and_body_across_subreddits() -> None:
    with FakeReddit(client_id="i", client_secret="s", clock=lambda: NOW) as fake:
        hit = fake.add_post("a", "nothing", "but acme inside", created_at=NOW)
        fake.add_post("b", "acme acres", created_at=NOW)
        data = reddit_get(fake, "/r/all/search", q='"acme" NOT "acme acres"', sort="new").json()
    assert [c["data"]["name"] for c in data["data"]["children"]] == [hit.fullname]
