"""RssConnector driven through real httpx and feedparser against the fake feed server."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors import Connector, Cursor, PollResult
from connectors._http import retry_after
from connectors.fakes.feeds import FeedServer
from connectors.rss import RssConnector

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
T2 = datetime(2024, 5, 1, 10, 45, tzinfo=UTC)


@pytest.fixture
def srv() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def connector(*feeds: str, **options: Any) -> RssConnector:
    return RssConnector("news", feeds, **options)


def poll(conn: RssConnector, cursor: Cursor | None = None) -> PollResult:
    """One poll at NOW with a fresh connector, closed afterwards."""
    try:
        return conn.poll(cursor or {}, NOW)
    finally:
        conn.close()


def ids(result: PollResult) -> list[str]:
    return sorted(p.external_id for p in result.posts)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


def test_is_a_connector(srv: FeedServer) -> None:
    conn: Connector = connector(srv.url("/a.xml"))
    assert conn.name == "news"
    conn.close()


def test_entry_fields(srv: FeedServer) -> None:
    srv.add_entry(
        "/a.xml",
        id="g1",
        title="Acme",
        summary="<p>broke</p>",
        link="https://x/1",
        author="Jane Doe",
        published=T1,
    )
    (post,) = poll(connector(srv.url("/a.xml"))).posts
    assert post.platform == "rss"
    assert (post.external_id, post.title, post.url, post.author) == (
        "g1",
        "Acme",
        "https://x/1",
        "Jane Doe",
    )
    assert post.text == "Acme\n\n<p>broke</p>"
    assert post.created_at == T1 and post.created_at.tzinfo is not None
    assert post.outpost is None


def test_second_poll_is_conditional_and_empty(srv: FeedServer) -> None:
    srv.add_entry("/a.xml", id="g1", title="one", summary="s", published=T1)
    srv.add_entry("/a.xml", id="g2", title="two", summary="s", published=T2)
    conn = RssConnector("news", [srv.url("/a.xml")])
    first = conn.poll({}, NOW)
    second = conn.poll(first.cursor, NOW)
    conn.close()
    assert ids(first) == ["g1", "g2"] and first.requests == 1
    sent = srv.requests[-1].headers
    validators = first.cursor["feeds"][srv.url("/a.xml")]
    assert sent["if-none-match"] == validators["etag"]
    assert (
        sent["if-modified-since"] == validators["last_modified"] == "Wed, 01 May 2024 10:45:00 GMT"
    )
    assert second.posts == () and second.problems == () and second.requests == 1
    assert second.cursor == first.cursor


def test_new_entries_between_polls_appear(srv: FeedServer) -> None:
    srv.add_entry("/a.xml", id="g1", title="one", summary="s", published=T1)
    first = poll(connector(srv.url("/a.xml")))
    srv.add_entry("/a.xml", id="g2", title="two", summary="s", published=T2)
    second = poll(connector(srv.url("/a.xml")), first.cursor)
    assert ids(second) == ["g1", "g2"]
    assert second.cursor != first.cursor


def test_malformed_feed_keeps_recoverable_entries(srv: FeedServer) -> None:
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>ok</title><guid>g1</guid></item>"
        b"<item><title>bad & <b>unclosed</title><guid>g2</guid></item>"
    )
    srv.set_raw("/bad.xml", body)
    result = poll(connector(srv.url("/bad.xml")))
    assert ids(result) == ["g1", "g2"]
    (problem,) = result.problems
    assert problem.where == srv.url("/bad.xml") and "malformed" in problem.message


def test_not_a_feed_is_a_problem_and_keeps_the_cursor(srv: FeedServer) -> None:
    srv.set_raw("/page", b"<html><body>hello</body></html>", "text/html")
    old = {"feeds": {srv.url("/page"): {"etag": '"old"'}}}
    result = poll(connector(srv.url("/page")), old)
    assert result.posts == ()
    assert "not an RSS or Atom feed (text/html)" in result.problems[0].message
    assert result.cursor == old


def test_server_error_on_one_feed_does_not_stop_another(srv: FeedServer) -> None:
    srv.add_entry("/a.xml", id="a1", title="a", summary="s", published=T1)
    srv.add_entry("/b.xml", id="b1", title="b", summary="s", published=T1)
    first = poll(connector(srv.url("/a.xml"), srv.url("/b.xml")))
    srv.fail("/a.xml", 500)
    srv.add_entry("/b.xml", id="b2", title="b", summary="s", published=T2)
    second = poll(connector(srv.url("/a.xml"), srv.url("/b.xml")), first.cursor)
    assert ids(second) == ["b1", "b2"]
    assert [(p.where, p.message) for p in second.problems] == [
        (srv.url("/a.xml"), "HTTP 500 Internal Server Error")
    ]
    assert second.cursor["feeds"][srv.url("/a.xml")] == first.cursor["feeds"][srv.url("/a.xml")]


def test_connection_refused_is_a_problem(srv: FeedServer) -> None:
    srv.add_entry("/a.xml", id="a1", title="a", summary="s", published=T1)
    dead = closed_port_url()
    result = poll(connector(dead, srv.url("/a.xml")))
    assert ids(result) == ["a1"]
    assert result.problems[0].where == dead and "ConnectError" in result.problems[0].message
    assert result.requests == 2
    assert result.cursor["feeds"][dead] == {}


def test_every_feed_failing_still_returns_a_result(srv: FeedServer) -> None:
    result = poll(connector(closed_port_url(), srv.url("/missing.xml")))
    assert result.posts == ()
    assert len(result.problems) == 2 and "HTTP 404" in result.problems[1].message


def test_timeout_is_a_problem(srv: FeedServer) -> None:
    srv.add_entry("/slow.xml", id="s1", title="a", summary="s", published=T1)
    srv.stall("/slow.xml", 5.0)
    result = poll(connector(srv.url("/slow.xml"), timeout=0.2))
    assert result.posts == () and "timed out (ReadTimeout)" in result.problems[0].message


def test_declared_size_over_the_cap_is_not_read(srv: FeedServer) -> None:
    srv.set_raw("/big.xml", b"x" * 50_000)
    result = poll(connector(srv.url("/big.xml"), max_bytes=10_000))
    assert "body larger than 10000 bytes" in result.problems[0].message
    assert result.cursor["feeds"][srv.url("/big.xml")] == {}


def test_decoded_size_over_the_cap_stops_streaming(srv: FeedServer) -> None:
    bomb = gzip.compress(b" " * 2_000_000)
    srv.set_raw("/bomb.xml", bomb, headers={"Content-Encoding": "gzip"})
    result = poll(connector(srv.url("/bomb.xml"), max_bytes=100_000))
    assert len(bomb) < 100_000
    assert "body larger than 100000 bytes" in result.problems[0].message


def test_429_makes_only_that_feed_wait_and_keeps_its_validators(srv: FeedServer) -> None:
    srv.add_entry("/a.xml", id="a1", title="a", summary="s", published=T1)
    srv.add_entry("/b.xml", id="b1", title="b", summary="s", published=T1)
    srv.fail("/a.xml", 429, headers={"Retry-After": "120"})
    old = {"feeds": {srv.url("/a.xml"): {"etag": '"old"'}}}
    c = connector(srv.url("/a.xml"), srv.url("/b.xml"))
    result = c.poll(old, NOW)
    assert result.rate_limited_until is None  # b was polled: the source is not waiting
    assert result.problems == ()  # a 429 is not a failure
    assert ids(result) == ["b1"]
    until = (NOW + timedelta(seconds=120)).isoformat()
    assert result.cursor["feeds"][srv.url("/a.xml")] == {"etag": '"old"', "retry_until": until}
    asked = len(srv.requests)
    again = c.poll(result.cursor, NOW + timedelta(seconds=60))
    assert [r.path for r in srv.requests[asked:]] == ["/b.xml"]  # a is left alone
    later = c.poll(again.cursor, NOW + timedelta(seconds=121))
    c.close()
    assert ids(later) == ["a1"]
    assert srv.requests[-2].headers.get("if-none-match") == '"old"'
    assert "retry_until" not in later.cursor["feeds"][srv.url("/a.xml")]


def test_429_on_every_feed_makes_the_source_wait(srv: FeedServer) -> None:
    srv.fail("/a.xml", 429, headers={"Retry-After": "120"})
    result = poll(connector(srv.url("/a.xml")))
    assert result.rate_limited_until == NOW + timedelta(seconds=120)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", NOW + timedelta(seconds=30)),
        ("Wed, 01 May 2024 12:10:00 GMT", NOW + timedelta(minutes=10)),
        ("Wed, 01 May 2024 11:00:00 GMT", NOW),  # already past: come back now
        ("soon", NOW + timedelta(seconds=60)),
        (None, NOW + timedelta(seconds=60)),
    ],
)
def test_retry_after_forms(value: str | None, expected: datetime) -> None:
    assert retry_after(value, NOW) == expected


def test_atom_feed(srv: FeedServer) -> None:
    srv.set_format("/atom.xml", "atom")
    srv.add_entry(
        "/atom.xml",
        id="urn:1",
        title="T",
        summary="<b>S</b>",
        link="https://x/1",
        author="Ann",
        published=T2,
    )
    conn = RssConnector("news", [srv.url("/atom.xml")])
    first = conn.poll({}, NOW)
    second = conn.poll(first.cursor, NOW)
    conn.close()
    (post,) = first.posts
    assert (post.external_id, post.text, post.url, post.author, post.created_at) == (
        "urn:1",
        "T\n\n<b>S</b>",
        "https://x/1",
        "Ann",
        T2,
    )
    assert second.posts == () and second.requests == 1


def test_outpost_feeds_mark_their_posts(srv: FeedServer) -> None:
    srv.add_entry("/ours.xml", id="o1", title="a", summary="s", published=T1)
    srv.add_entry("/news.xml", id="n1", title="b", summary="s", published=T1)
    ours = srv.url("/ours.xml")
    result = poll(connector(ours, srv.url("/news.xml"), outposts={ours: f"rss:{ours}"}))
    assert {p.external_id: p.outpost for p in result.posts} == {"o1": f"rss:{ours}", "n1": None}


def test_same_entry_in_two_feeds_is_one_post_marked_as_outpost(srv: FeedServer) -> None:
    for path in ("/all.xml", "/ours.xml"):
        srv.add_entry(path, id="same", title="a", summary="s", published=T1)
    ours = srv.url("/ours.xml")
    result = poll(connector(srv.url("/all.xml"), ours, outposts={ours: "rss:ours"}))
    assert [(p.external_id, p.outpost) for p in result.posts] == [("same", "rss:ours")]


HOSTILE_TITLE = "<script>alert('x')</script> & \"quotes\" 😀 שלום עולם مرحبا"
HOSTILE_SUMMARY = '<p onclick="steal()">&amp; &lt;b&gt;</p>\r\n' + "Ωж😀" * 7_000 + "\u202eevil"


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_hostile_text_is_kept_verbatim(srv: FeedServer, fmt: str) -> None:
    srv.set_format("/h.xml", fmt)  # type: ignore[arg-type]
    srv.add_entry("/h.xml", id="h1", title=HOSTILE_TITLE, summary=HOSTILE_SUMMARY, published=T1)
    (post,) = poll(connector(srv.url("/h.xml"))).posts
    assert len(HOSTILE_SUMMARY.encode()) > 20_000
    assert post.title == HOSTILE_TITLE
    assert post.text == HOSTILE_TITLE + "\n\n" + HOSTILE_SUMMARY


def test_id_falls_back_to_link_and_entries_without_either_are_skipped(srv: FeedServer) -> None:
    srv.add_entry("/a.xml", id=None, title="a", summary="s", link="https://x/a", published=T1)
    srv.add_entry("/a.xml", id=None, title="b", summary="s", link=None, published=T2)
    result = poll(connector(srv.url("/a.xml")))
    assert ids(result) == ["https://x/a"]
    assert "skipped 1 entries with neither id nor link" in result.problems[0].message


def test_title_only_and_undated_entry(srv: FeedServer) -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>just a title</title><guid>u1</guid></item></channel></rss>"
    )
    srv.set_raw("/u.xml", body)
    (post,) = poll(connector(srv.url("/u.xml"))).posts
    assert (post.text, post.created_at) == ("just a title", NOW)


def test_redirects_are_followed_and_counted(srv: FeedServer) -> None:
    srv.add_entry("/new.xml", id="r1", title="a", summary="s", published=T1)
    srv.fail("/old.xml", 301, headers={"Location": srv.url("/new.xml")})
    result = poll(connector(srv.url("/old.xml")))
    assert ids(result) == ["r1"] and result.requests == 2
    assert [r.path for r in srv.requests] == ["/old.xml", "/new.xml"]


@pytest.mark.parametrize("cursor", [{}, {"feeds": "junk"}, {"feeds": {"x": 3}}])
def test_unusable_cursor_means_a_fresh_start(srv: FeedServer, cursor: dict[str, object]) -> None:
    srv.add_entry("/a.xml", id="a1", title="a", summary="s", published=T1)
    result = poll(connector(srv.url("/a.xml")), cursor)
    assert ids(result) == ["a1"] and "if-none-match" not in srv.requests[-1].headers


def test_user_agent_is_sent(srv: FeedServer) -> None:
    srv.add_entry("/a.xml", id="a1", title="a", summary="s", published=T1)
    poll(connector(srv.url("/a.xml"), user_agent="acme-listener/9"))
    assert srv.requests[-1].headers["user-agent"] == "acme-listener/9"


def test_relative_link_is_made_absolute_and_guid_kept_verbatim(srv: FeedServer) -> None:
    srv.add_entry("/a.xml", id="tag:1", title="a", summary="s", link="/posts/1", published=T1)
    srv.add_entry("/a.xml", id=None, title="b", summary="s", link="posts/2", published=T2)
    result = poll(connector(srv.url("/a.xml")))
    assert {p.external_id: p.url for p in result.posts} == {
        "tag:1": srv.url("/posts/1"),
        srv.url("/posts/2"): srv.url("/posts/2"),
    }
