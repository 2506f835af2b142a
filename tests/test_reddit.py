"""RedditConnector driven through real praw/prawcore against FakeReddit on 127.0.0.1."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors import AuthError, BrandWatch, Connector, TransientError
from connectors.fakes.reddit import FakeReddit
from connectors.reddit import RedditConnector

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ACME = BrandWatch("acme", ("acme",), ("acme acres",), ("reddit:r/acme",))
TOKEN = "/api/v1/access_token"


@pytest.fixture
def fake() -> Iterator[FakeReddit]:
    with FakeReddit(client_id="app-id", client_secret="app-secret", clock=lambda: NOW) as server:
        yield server


class Sleeps(list[float]):
    """Records the backoff delays instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def connector(fake: FakeReddit, *watches: BrandWatch, **options: Any) -> RedditConnector:
    options.setdefault("sleep", Sleeps())
    return RedditConnector(
        "reddit",
        client_id="app-id",
        client_secret=options.pop("client_secret", "app-secret"),
        credential_envs=("LISTENER_REDDIT_ID", "LISTENER_REDDIT_SECRET"),
        user_agent="listener-tests/0.1 (by the listener team)",
        watches=watches or (ACME,),
        api_base_url=fake.base_url,
        **options,
    )


def listing_queries(fake: FakeReddit, path: str) -> list[dict[str, str]]:
    return [r.query for r in fake.requests if r.path.rstrip("/") == path]


def test_connector_satisfies_the_protocol(fake: FakeReddit) -> None:
    conn: Connector = connector(fake)
    assert conn.name == "reddit"
    conn.close()


def test_token_comes_from_the_fake_with_client_credentials(fake: FakeReddit) -> None:
    connector(fake).poll({}, NOW)
    token, *listings = fake.requests
    assert (token.method, token.path) == ("POST", TOKEN)
    sent = base64.b64decode(token.headers["authorization"].removeprefix("Basic "))
    assert sent == b"app-id:app-secret"
    assert b"grant_type=client_credentials" in token.body
    assert listings
    assert all(r.headers["authorization"].startswith("bearer ") for r in listings)


def test_posts_and_comments_become_posts_with_fullnames(fake: FakeReddit) -> None:
    fake.subscribers["acme"] = 52_000
    post = fake.add_post(
        "acme", "Acme broke", "It crashed", author="ann", created_at=NOW - timedelta(hours=1)
    )
    comment = fake.add_comment(
        post, "same here", author="bob", created_at=NOW - timedelta(minutes=9)
    )
    posts = {p.external_id: p for p in connector(fake).poll({}, NOW).posts}
    sub = posts[post.fullname]
    assert post.fullname.startswith("t3_") and comment.fullname.startswith("t1_")
    assert (sub.text, sub.title, sub.author) == ("Acme broke\n\nIt crashed", "Acme broke", "ann")
    assert sub.url == f"https://www.reddit.com/r/acme/comments/{post.id}/slug/"
    assert sub.reach == 52_000  # submissions: subreddit subscribers
    assert sub.outpost == "reddit:r/acme"
    assert sub.created_at == NOW - timedelta(hours=1)
    com = posts[comment.fullname]
    assert (com.text, com.title, com.reach) == ("same here", "", 1)  # comments: score
    assert com.extra["link_id"] == post.fullname
    assert com.outpost == "reddit:r/acme"


def test_keyword_search_runs_on_all_sorted_by_new_without_exclusions(fake: FakeReddit) -> None:
    found = fake.add_post("gadgets", "acme phone review", created_at=NOW - timedelta(hours=2))
    fake.add_post("travel", "acme acres trip", created_at=NOW - timedelta(hours=2))
    result = connector(fake).poll({}, NOW)
    assert [(p.external_id, p.outpost) for p in result.posts] == [(found.fullname, None)]
    (query,) = listing_queries(fake, "/r/all/search")
    assert query["sort"] == "new"
    assert query["q"] == '"acme" NOT "acme acres"'


def test_a_post_found_twice_appears_once_marked_by_the_outpost(fake: FakeReddit) -> None:
    both = fake.add_post("acme", "acme support is slow", created_at=NOW - timedelta(minutes=5))
    result = connector(fake).poll({}, NOW)
    assert [(p.external_id, p.outpost) for p in result.posts] == [(both.fullname, "reddit:r/acme")]


def test_first_poll_backfills_within_the_window_then_stops(fake: FakeReddit) -> None:
    for hours in range(1, 40):
        fake.add_post("acme", f"post {hours}", created_at=NOW - timedelta(hours=hours))
    result = connector(fake, limit=10).poll({}, NOW)
    titles = sorted(p.title for p in result.posts)
    assert titles == sorted(f"post {h}" for h in range(1, 25))
    pages = listing_queries(fake, "/r/acme/new")
    assert len(pages) == 3  # 10 + 10 + the page where items get older than 24 hours
    assert "after" not in pages[0]
    assert all("after" in q for q in pages[1:])


def test_next_poll_asks_for_items_before_the_newest_seen(fake: FakeReddit) -> None:
    conn = connector(fake)
    first = fake.add_post("acme", "one", created_at=NOW - timedelta(minutes=30))
    cursor = conn.poll({}, NOW).cursor
    second = fake.add_post("acme", "two", created_at=NOW - timedelta(minutes=1))
    result = conn.poll(cursor, NOW)
    assert [p.external_id for p in result.posts] == [second.fullname]
    assert listing_queries(fake, "/r/acme/new")[-1]["before"] == first.fullname
    assert result.cursor["listings"]["new:r/acme"]["newest"] == second.fullname


def test_a_burst_larger_than_a_page_is_not_lost(fake: FakeReddit) -> None:
    conn = connector(fake, BrandWatch("acme", (), outposts=("reddit:r/acme",)), limit=5)
    fake.add_post("acme", "seed", created_at=NOW - timedelta(hours=1))
    cursor = conn.poll({}, NOW).cursor
    burst = [
        fake.add_post("acme", f"b{i}", created_at=NOW - timedelta(minutes=30 - i))
        for i in range(12)
    ]
    result = conn.poll(cursor, NOW)
    assert {p.external_id for p in result.posts} == {b.fullname for b in burst}
    assert result.cursor["listings"]["new:r/acme"]["newest"] == burst[-1].fullname


def test_a_deleted_anchor_falls_back_to_creation_time(fake: FakeReddit) -> None:
    conn = connector(fake, BrandWatch("acme", (), outposts=("reddit:r/acme",)))
    anchor = fake.add_post("acme", "anchor", created_at=NOW - timedelta(minutes=30))
    cursor = conn.poll({}, NOW).cursor
    fake.remove(anchor)
    later = fake.add_post("acme", "later", created_at=NOW - timedelta(minutes=2))
    result = conn.poll(cursor, NOW)
    assert [p.external_id for p in result.posts] == [later.fullname]


def test_429_sets_rate_limited_until_and_keeps_the_cursor(fake: FakeReddit) -> None:
    fake.add_post("acme", "acme one", created_at=NOW - timedelta(minutes=5))
    fake.inject("/r/", 429, times=10, skip=1, headers={"x-ratelimit-reset": "120"})
    result = connector(fake).poll({}, NOW)
    assert result.rate_limited_until == NOW + timedelta(seconds=120)
    assert [p.title for p in result.posts] == ["acme one"]
    assert list(result.cursor["listings"]) == ["new:r/acme"]
    assert result.requests == 3  # token, the outpost listing, the refused one


def test_spent_quota_keeps_the_page_and_stops_the_poll(fake: FakeReddit) -> None:
    post = fake.add_post("acme", "last one in the window", created_at=NOW - timedelta(minutes=1))
    fake.remaining = 0
    fake.reset_seconds = 42
    conn = connector(fake)
    result = conn.poll({}, NOW)
    assert result.rate_limited_until == NOW + timedelta(seconds=42)
    assert result.requests == 2  # the token and the page that spent the quota
    assert [p.external_id for p in result.posts] == [post.fullname]
    assert list(result.cursor["listings"]) == ["new:r/acme"]
    fake.remaining = 500
    later = conn.poll(result.cursor, NOW + timedelta(seconds=42))
    assert later.rate_limited_until is None
    assert later.requests > 1


def test_5xx_once_is_retried_within_the_poll(fake: FakeReddit) -> None:
    post = fake.add_post("acme", "acme down", created_at=NOW - timedelta(minutes=5))
    fake.inject("/r/acme/new", 503)
    sleeps = Sleeps()
    result = connector(fake, sleep=sleeps).poll({}, NOW)
    assert post.fullname in {p.external_id for p in result.posts}
    assert result.problems == ()
    assert sleeps == [1.0]


def test_persisting_5xx_is_a_problem_for_that_listing(fake: FakeReddit) -> None:
    fake.inject("/r/acme/comments", 500, times=3)
    result = connector(fake).poll({}, NOW)
    assert [p.where for p in result.problems] == ["comments:r/acme"]


def test_everything_failing_raises_transient_error(fake: FakeReddit) -> None:
    fake.inject("/r/", 502, times=100)
    with pytest.raises(TransientError):
        connector(fake).poll({}, NOW)


def test_token_timeout_is_retried(fake: FakeReddit) -> None:
    fake.inject(TOKEN, 200, delay=0.5)
    result = connector(fake, timeout=0.1).poll({}, NOW)
    assert result.problems == ()


def test_malformed_listing_is_a_problem(fake: FakeReddit) -> None:
    fake.inject("/r/acme/new", 200, malformed=True)
    result = connector(fake).poll({}, NOW)
    assert [p.where for p in result.problems] == ["new:r/acme"]


def test_bad_secret_raises_auth_error_naming_the_variable(fake: FakeReddit) -> None:
    with pytest.raises(AuthError) as caught:
        connector(fake, client_secret="wrong").poll({}, NOW)
    assert caught.value.credential == "LISTENER_REDDIT_SECRET"
    assert "LISTENER_REDDIT_ID" in str(caught.value)
    assert len(fake.requests) == 1


def test_forbidden_subreddit_is_a_problem_not_an_auth_error(fake: FakeReddit) -> None:
    fake.inject("/r/acme/new", 403)
    result = connector(fake).poll({}, NOW)
    assert [p.where for p in result.problems] == ["new:r/acme"]


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert('x')</script>",
        "x" * 20_000,
        "\u202e\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
        "🔥💀 👩‍👩‍👧 &amp; &lt;",
    ],
)
def test_hostile_text_is_stored_verbatim(fake: FakeReddit, body: str) -> None:
    fake.add_post("acme", "acme", body, created_at=NOW - timedelta(minutes=5))
    (post,) = connector(fake).poll({}, NOW).posts
    assert post.text == f"acme\n\n{body}"


def test_a_missing_secret_fails_before_any_request(fake: FakeReddit) -> None:
    with pytest.raises(AuthError) as caught:
        connector(fake, client_secret="").poll({}, NOW)
    assert caught.value.credential == "LISTENER_REDDIT_SECRET"
    assert fake.requests == []
