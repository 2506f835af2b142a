"""The pipeline end to end against local fake feeds and a real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors import AuthError, Cursor, PollResult, Post
from connectors.fakes.feeds import FeedServer
from listener.app import build_connectors, build_pipeline, close_pipeline, open_storage
from listener.pipeline import Pipeline
from listener.records import MentionFilter
from listener.settings import Settings, parse_settings

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def settings_for(tmp_path: Path, feeds: FeedServer, *extra_feeds: str) -> Settings:
    return parse_settings(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'l.db'}"},
            "brands": [
                {
                    "name": "Acme",
                    "keywords": ["acme"],
                    "exclude": ["roadrunner"],
                    "outposts": [f"rss:{feeds.url('/forum.rss')}"],
                },
                {"name": "Globex", "keywords": ["globex"]},
            ],
            "sources": [
                {"name": "news", "kind": "rss", "feeds": [feeds.url("/news.rss"), *extra_feeds]}
            ],
        }
    )


_open: list[Pipeline] = []


@pytest.fixture(autouse=True)
def _close_pipelines() -> Iterator[None]:
    yield
    while _open:
        pipeline = _open.pop()
        close_pipeline(pipeline)
        pipeline.storage.close()


def pipeline_for(settings: Settings, **kwargs: object) -> Pipeline:
    pipeline = build_pipeline(settings, open_storage(settings), **kwargs)  # type: ignore[arg-type]
    _open.append(pipeline)
    return pipeline


def entry(feeds: FeedServer, path: str, n: int, title: str, minutes_ago: int = 10) -> None:
    feeds.add_entry(
        path,
        id=f"urn:{path}:{n}",
        title=title,
        summary=f"body {n}",
        link=f"https://example.test{path}/{n}",
        published=NOW - timedelta(minutes=minutes_ago),
    )


def stored(pipeline: Pipeline, **filters: object) -> list[tuple[str, str, str | None]]:
    rows = pipeline.storage.query_mentions(MentionFilter(limit=None, **filters))  # type: ignore[arg-type]
    return sorted((r.external_id, r.brand, r.outpost) for r in rows)


def test_two_polls_store_each_entry_once(tmp_path: Path, feeds: FeedServer) -> None:
    entry(feeds, "/news.rss", 1, "Acme is great")
    entry(feeds, "/news.rss", 2, "Nothing to see")
    p = pipeline_for(settings_for(tmp_path, feeds))
    first = p.run_once(NOW)
    second = p.run_once(NOW + timedelta(minutes=10))
    assert [o.new for o in first.outcomes] == [1]
    assert [o.new for o in second.outcomes] == [0]
    assert stored(p) == [("urn:/news.rss:1", "Acme", None)]
    news = [r for r in feeds.requests if r.path == "/news.rss"]
    assert "if-none-match" in news[1].headers


def test_matching_rules_applied(tmp_path: Path, feeds: FeedServer) -> None:
    entry(feeds, "/news.rss", 1, "Acme and Globex merge")
    entry(feeds, "/news.rss", 2, "Acme vs the roadrunner")
    entry(feeds, "/forum.rss", 3, "my kettle broke")  # outpost: kept without a keyword
    p = pipeline_for(settings_for(tmp_path, feeds))
    p.run_once(NOW)
    outpost = f"rss:{feeds.url('/forum.rss')}"
    assert stored(p) == [
        ("urn:/forum.rss:3", "Acme", outpost),
        ("urn:/news.rss:1", "Acme", None),
        ("urn:/news.rss:1", "Globex", None),
    ]


def test_keyword_and_outpost_overlap_is_one_mention_marked(
    tmp_path: Path, feeds: FeedServer
) -> None:
    for path in ("/news.rss", "/forum.rss"):
        feeds.add_entry(path, id="urn:same", title="Acme news", summary="x", published=NOW)
    p = pipeline_for(settings_for(tmp_path, feeds))
    p.run_once(NOW)
    assert stored(p) == [("urn:same", "Acme", f"rss:{feeds.url('/forum.rss')}")]


def test_failing_feeds_do_not_stop_others(tmp_path: Path, feeds: FeedServer) -> None:
    entry(feeds, "/news.rss", 1, "Acme one")
    feeds.fail("/broken.rss", 500)
    feeds.set_raw("/bad.rss", b"<rss><channel><item><title>Acme", "application/rss+xml")
    s = settings_for(tmp_path, feeds, feeds.url("/broken.rss"), feeds.url("/bad.rss"))
    p = pipeline_for(s)
    report = p.run_once(NOW)
    assert report.failed
    messages = " ".join(report.outcomes[0].messages)
    assert "broken.rss" in messages and "bad.rss" in messages
    assert ("urn:/news.rss:1", "Acme", None) in stored(p)


class Flaky:
    """A connector that fails once after fetching, as a crash mid-poll would."""

    name = "news"

    def __init__(self, posts: list[Post]) -> None:
        self.posts = posts
        self.calls: list[Cursor] = []

    def poll(self, cursor: Cursor, now: datetime) -> PollResult:
        self.calls.append(cursor)
        if len(self.calls) == 1:
            raise RuntimeError("crashed mid-poll")
        return PollResult(tuple(self.posts), {"seen": len(self.posts)})

    def close(self) -> None:
        pass


def test_crash_mid_poll_keeps_cursor_and_loses_nothing(tmp_path: Path, feeds: FeedServer) -> None:
    s = settings_for(tmp_path, feeds)
    post = Post("rss", "urn:x", "Acme rocks", NOW)
    flaky = Flaky([post])
    p = pipeline_for(s, connectors={"news": flaky})
    assert p.run_once(NOW).outcomes[0].status == "failed"
    assert p.run_once(NOW).outcomes[0].new == 1
    assert flaky.calls == [{}, {}]  # the failed poll did not move the cursor
    assert p.storage.load_cursor("news") == {"seen": 1}
    assert p.storage.source_state("news").consecutive_failures == 0  # type: ignore[union-attr]


def test_rate_limited_feed_waits_and_loses_nothing(tmp_path: Path, feeds: FeedServer) -> None:
    entry(feeds, "/news.rss", 1, "Acme one")
    entry(feeds, "/forum.rss", 2, "Acme two")
    feeds.fail("/news.rss", 429, headers={"Retry-After": "600"})
    p = pipeline_for(settings_for(tmp_path, feeds))
    first = p.run_once(NOW).outcomes[0]
    assert first.status == "ok" and first.new == 1  # the forum feed went on
    news_requests = lambda: [r for r in feeds.requests if r.path == "/news.rss"]  # noqa: E731
    p.run_once(NOW + timedelta(minutes=5))
    assert len(news_requests()) == 1  # no retry storm inside the 429 window
    third = p.run_once(NOW + timedelta(minutes=11)).outcomes[0]
    assert third.new == 1 and len(news_requests()) == 2  # the entry arrives: nothing lost


def test_rate_limited_source_is_skipped_until_reset(tmp_path: Path, feeds: FeedServer) -> None:
    s = settings_for(tmp_path, feeds)
    s = s.model_copy(update={"brands": s.brands[1:]})  # no outpost feed: news is the only feed
    entry(feeds, "/news.rss", 1, "Globex one")
    feeds.fail("/news.rss", 429, headers={"Retry-After": "600"})
    p = pipeline_for(s)
    first = p.run_once(NOW).outcomes[0]
    assert first.status == "rate_limited" and not first.failed
    second = p.run_once(NOW + timedelta(minutes=5)).outcomes[0]
    assert second.status == "waiting" and len(feeds.requests) == 1
    state = p.storage.source_state("news")
    assert state is not None and state.rate_limited_until == NOW + timedelta(minutes=10)
    assert p.run_once(NOW + timedelta(minutes=11)).outcomes[0].new == 1


def test_missing_secret_fails_only_that_source(tmp_path: Path, feeds: FeedServer) -> None:
    s = settings_for(tmp_path, feeds)
    s = s.model_copy(
        update={
            "sources": (
                *s.sources,
                parse_settings({"sources": [{"name": "x", "kind": "twitter"}]}).sources[0],
            )
        }
    )
    built = build_connectors(s, env={})
    assert isinstance(built["x"], AuthError) and "X_BEARER_TOKEN" in str(built["x"])
    entry(feeds, "/news.rss", 1, "Acme one")
    entry(feeds, "/forum.rss", 2, "Acme two")
    report = pipeline_for(s, connectors=built).run_once(NOW)
    status = {o.source: o.status for o in report.outcomes}
    assert status == {"news": "ok", "x": "failed"}
