"""TwitterConnector driven through real tweepy against FakeX on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors import AuthError, BrandWatch, Connector, TransientError
from connectors._search import MAX_QUERY
from connectors.fakes.twitter import FakeX, snowflake
from connectors.twitter import TwitterConnector, build_queries, unescape

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ACME = BrandWatch("acme", ("acme", "acme corp"), ("acme acres",), ("twitter:@acme",))
SEARCH = "/2/tweets/search/recent"


@pytest.fixture
def fake() -> Iterator[FakeX]:
    with FakeX(bearer_token="good-token", clock=lambda: NOW) as server:
        yield server


class Sleeps(list[float]):
    """Records the backoff delays instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def connector(fake: FakeX, *watches: BrandWatch, **options: Any) -> TwitterConnector:
    options.setdefault("sleep", Sleeps())
    return TwitterConnector(
        "x",
        bearer_token=options.pop("bearer_token", "good-token"),
        credential_env="LISTENER_X_BEARER",
        watches=watches or (ACME,),
        api_base_url=fake.base_url,
        **options,
    )


def searches(fake: FakeX) -> list[dict[str, str]]:
    return [r.query for r in fake.requests if r.path == SEARCH]


def test_connector_satisfies_the_protocol(fake: FakeX) -> None:
    conn: Connector = connector(fake)
    assert conn.name == "x"
    conn.close()


def test_queries_quote_keywords_and_exclude_phrases() -> None:
    assert build_queries(ACME) == ['("acme" OR "acme corp") -"acme acres"']


def test_long_keyword_lists_split_under_the_limit() -> None:
    keywords = tuple(f"keyword number {i}" for i in range(60))
    watch = BrandWatch("big", keywords, ("not this",))
    queries = build_queries(watch)
    assert len(queries) > 1
    assert all(len(q) <= MAX_QUERY for q in queries)
    assert all(q.endswith(' -"not this"') for q in queries)
    assert sum(q.count('"keyword number') for q in queries) == 60


def test_first_poll_backfills_within_the_window(fake: FakeX) -> None:
    fake.add_user("ann", name="Ann", followers=1234)
    fake.add_tweet("acme is great", author="ann", created_at=NOW - timedelta(hours=2))
    fake.add_tweet("acme long ago", author="ann", created_at=NOW - timedelta(hours=30))
    result = connector(fake, backfill=timedelta(hours=24)).poll({}, NOW)
    (post,) = result.posts
    assert post.text == "acme is great"
    assert post.author == "ann"
    assert post.reach == 1234
    assert post.url == f"https://x.com/ann/status/{post.external_id}"
    assert post.created_at == NOW - timedelta(hours=2)
    assert post.lang == "en"
    assert all(q["start_time"] == "2026-03-01T12:00:00Z" for q in searches(fake))


def test_requests_ask_for_the_author_expansion_and_fields(fake: FakeX) -> None:
    connector(fake).poll({}, NOW)
    query = searches(fake)[0]
    assert query["expansions"] == "author_id"
    assert set(query["user.fields"].split(",")) == {"username", "name", "public_metrics"}
    fields = {"created_at", "lang", "public_metrics", "conversation_id", "referenced_tweets"}
    assert set(query["tweet.fields"].split(",")) == fields


def test_next_poll_sends_since_id_and_gets_only_new_tweets(fake: FakeX) -> None:
    conn = connector(fake)
    first = fake.add_tweet("acme one", created_at=NOW - timedelta(minutes=10))
    cursor = conn.poll({}, NOW).cursor
    second = fake.add_tweet("acme two", created_at=NOW - timedelta(minutes=1))
    result = conn.poll(cursor, NOW)
    assert [p.external_id for p in result.posts] == [second.id]
    keyword_query = next(q for q in searches(fake)[2:] if "acme corp" in q["query"])
    assert keyword_query["since_id"] == first.id
    assert "start_time" not in keyword_query


def test_pagination_stops_at_the_page_cap(fake: FakeX) -> None:
    for i in range(250):
        fake.add_tweet(f"acme {i}", created_at=NOW - timedelta(minutes=300 - i))
    watch = BrandWatch("acme", ("acme",))
    result = connector(fake, watch, max_pages=2).poll({}, NOW)
    assert len(result.posts) == 200
    assert result.requests == 2
    assert "next_token" in searches(fake)[1]
    assert result.problems == ()  # a backfill cut short is expected, not a failure


def test_page_cap_after_a_cursor_is_reported(fake: FakeX) -> None:
    conn = connector(fake, BrandWatch("acme", ("acme",)), max_pages=1)
    fake.add_tweet("acme first", created_at=NOW - timedelta(hours=1))
    cursor = conn.poll({}, NOW).cursor
    for i in range(150):
        fake.add_tweet(f"acme {i}", created_at=NOW)
    result = conn.poll(cursor, NOW)
    assert len(result.posts) == 100
    assert "page cap" in result.problems[0].message


def test_outpost_mentions_and_replies_are_marked(fake: FakeX) -> None:
    mention = fake.add_tweet("hey @acme my order?", created_at=NOW - timedelta(minutes=5))
    reply = fake.add_tweet("thanks!", in_reply_to="acme", created_at=NOW - timedelta(minutes=4))
    fake.add_tweet("unrelated", created_at=NOW - timedelta(minutes=3))
    result = connector(fake).poll({}, NOW)
    assert {p.external_id: p.outpost for p in result.posts} == {
        mention.id: "twitter:@acme",
        reply.id: "twitter:@acme",
    }
    assert "@acme OR to:acme" in [q["query"] for q in searches(fake)]


def test_a_tweet_found_twice_appears_once_marked_by_the_outpost(fake: FakeX) -> None:
    both = fake.add_tweet("@acme acme corp is down again", created_at=NOW - timedelta(minutes=2))
    result = connector(fake).poll({}, NOW)
    assert [(p.external_id, p.outpost) for p in result.posts] == [(both.id, "twitter:@acme")]


def test_excluded_phrases_are_in_the_query_and_not_returned(fake: FakeX) -> None:
    fake.add_tweet("visiting acme acres farm", created_at=NOW - timedelta(minutes=2))
    kept = fake.add_tweet("acme corp support", created_at=NOW - timedelta(minutes=2))
    result = connector(fake).poll({}, NOW)
    assert [p.external_id for p in result.posts] == [kept.id]
    assert any('-"acme acres"' in q["query"] for q in searches(fake))


def test_429_returns_what_was_fetched_and_when_to_come_back(fake: FakeX) -> None:
    fake.add_tweet("hi @acme", created_at=NOW - timedelta(minutes=2))
    fake.add_tweet("acme corp rocks", created_at=NOW - timedelta(minutes=2))
    conn = connector(fake)
    first = conn.poll({}, NOW)
    fake.add_tweet("@acme again", created_at=NOW - timedelta(minutes=1))
    reset = int((NOW + timedelta(minutes=7)).timestamp())
    # the outpost query goes through, then the keyword query is refused
    fake.inject(SEARCH, 429, times=5, skip=1, headers={"x-rate-limit-reset": str(reset)})
    result = conn.poll(first.cursor, NOW)
    assert result.rate_limited_until == datetime.fromtimestamp(reset, UTC)
    assert [p.text for p in result.posts] == ["@acme again"]
    assert result.requests == 2
    assert len(fake.requests) == 4
    outpost, keywords = (q.text for q in conn.queries)
    assert result.cursor["since_ids"][outpost] != first.cursor["since_ids"][outpost]
    assert result.cursor["since_ids"][keywords] == first.cursor["since_ids"][keywords]


def test_429_without_reset_header_waits_fifteen_minutes(fake: FakeX) -> None:
    fake.inject(SEARCH, 429, times=10)
    result = connector(fake).poll({}, NOW)
    assert result.rate_limited_until == NOW + timedelta(minutes=15)
    assert result.requests == 1  # no retry inside the window
    assert result.cursor == {"since_ids": {}}


def test_spent_quota_stops_the_poll_before_the_next_query(fake: FakeX) -> None:
    fake.remaining = 0
    result = connector(fake).poll({}, NOW)
    assert result.requests == 1
    assert result.rate_limited_until == NOW + timedelta(minutes=15)


def test_5xx_once_is_retried_within_the_poll(fake: FakeX) -> None:
    tweet = fake.add_tweet("acme corp outage", created_at=NOW - timedelta(minutes=2))
    fake.inject(SEARCH, 503)
    sleeps = Sleeps()
    result = connector(fake, sleep=sleeps).poll({}, NOW)
    assert [p.external_id for p in result.posts] == [tweet.id]
    assert result.problems == ()
    assert sleeps == [1.0]
    assert result.requests == 3


def test_persisting_5xx_on_one_query_is_a_problem(fake: FakeX) -> None:
    fake.add_tweet("acme corp", created_at=NOW - timedelta(minutes=2))
    fake.inject(SEARCH, 500, times=3)  # every attempt of the first (outpost) query
    sleeps = Sleeps()
    result = connector(fake, sleep=sleeps).poll({}, NOW)
    assert [p.where for p in result.problems] == ["@acme OR to:acme"]
    assert len(result.posts) == 1
    assert sleeps == [1.0, 2.0]
    assert "@acme OR to:acme" not in result.cursor["since_ids"]


def test_everything_failing_raises_transient_error(fake: FakeX) -> None:
    fake.inject(SEARCH, 502, times=100)
    with pytest.raises(TransientError) as caught:
        connector(fake).poll({}, NOW)
    assert caught.value.source == "x"
    assert len(fake.requests) == 6  # two queries, three attempts each


def test_malformed_payload_is_a_problem_not_a_crash(fake: FakeX) -> None:
    fake.add_tweet("acme corp", created_at=NOW - timedelta(minutes=2))
    fake.inject(SEARCH, 200, malformed=True)
    result = connector(fake).poll({}, NOW)
    assert len(result.problems) == 1
    assert len(result.posts) == 1


def test_wrong_token_raises_auth_error_naming_the_variable(fake: FakeX) -> None:
    with pytest.raises(AuthError) as caught:
        connector(fake, bearer_token="stale").poll({}, NOW)
    assert caught.value.credential == "LISTENER_X_BEARER"
    assert "LISTENER_X_BEARER" in str(caught.value)
    assert len(fake.requests) == 1


def test_text_is_unescaped_exactly_once(fake: FakeX) -> None:
    typed = "R&D <3 acme corp & says &amp; and &lt;b&gt; literally"
    fake.add_tweet(typed, created_at=NOW - timedelta(minutes=2))
    (post,) = connector(fake).poll({}, NOW).posts
    assert post.text == typed
    assert unescape("&amp;lt; &lt; &gt; &amp;") == "&lt; < > &"


@pytest.mark.parametrize(
    "text",
    [
        "acme corp <script>alert('x')</script>",
        "acme corp " + "x" * 20_000,
        "acme corp \u202e\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
        "acme corp 🔥💀 👩‍👩‍👧",
    ],
)
def test_hostile_text_is_stored_verbatim(fake: FakeX, text: str) -> None:
    fake.add_tweet(text, created_at=NOW - timedelta(minutes=2))
    (post,) = connector(fake).poll({}, NOW).posts
    assert post.text == text


def test_reply_references_become_extra(fake: FakeX) -> None:
    fake.add_tweet("acme corp", created_at=NOW - timedelta(minutes=2))
    (post,) = connector(fake).poll({}, NOW).posts
    assert post.extra["conversation_id"] == post.external_id


def test_a_silent_server_times_out_and_is_retried(fake: FakeX) -> None:
    tweet = fake.add_tweet("acme corp", created_at=NOW - timedelta(minutes=2))
    fake.inject(SEARCH, 200, delay=0.5)
    sleeps = Sleeps()
    result = connector(fake, timeout=0.1, sleep=sleeps).poll({}, NOW)
    assert [p.external_id for p in result.posts] == [tweet.id]
    assert sleeps == [1.0]


def test_a_cursor_older_than_recent_search_reach_backfills(fake: FakeX) -> None:
    tweet = fake.add_tweet("acme corp is back", created_at=NOW - timedelta(hours=1))
    stale = str(snowflake(NOW - timedelta(days=8)))
    cursor = {"since_ids": {q: stale for q in build_queries(ACME)}}
    result = connector(fake).poll(cursor, NOW)
    assert [p.external_id for p in result.posts] == [tweet.id]
    keyword_query = next(q for q in searches(fake) if "acme corp" in q["query"])
    assert "since_id" not in keyword_query
    assert "7 days" in result.problems[0].message


def test_a_missing_token_fails_before_any_request(fake: FakeX) -> None:
    with pytest.raises(AuthError) as caught:
        connector(fake, bearer_token="").poll({}, NOW)
    assert caught.value.credential == "LISTENER_X_BEARER"
    assert fake.requests == []
