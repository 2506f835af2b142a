"""The fake feed server speaks HTTP and RSS/Atom correctly (checked with httpx and feedparser)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
import httpx
import pytest

from connectors.fakes.feeds import FeedServer, Request

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def srv() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One client for the module: building an httpx client costs tens of milliseconds."""
    with httpx.Client(timeout=5) as client:
        yield client


def get(http: httpx.Client, srv: FeedServer, path: str, **headers: str) -> httpx.Response:
    return http.get(srv.url(path), headers=headers)


def parse(response: httpx.Response) -> Any:
    return feedparser.parse(
        io.BytesIO(response.content),
        response_headers={"content-type": response.headers["Content-Type"]},
        sanitize_html=False,
    )


@pytest.mark.parametrize(("fmt", "version"), [("rss", "rss20"), ("atom", "atom10")])
def test_serves_a_valid_feed(http: httpx.Client, srv: FeedServer, fmt: str, version: str) -> None:
    srv.set_format("/f.xml", fmt)  # type: ignore[arg-type]
    srv.add_entry(
        "/f.xml", id="e1", title="T", summary="S", link="https://x/1", author="Ann", published=T0
    )
    response = get(http, srv, "/f.xml")
    feed = parse(response)
    assert response.status_code == 200 and feed.version == version and not feed.bozo
    (entry,) = feed.entries
    assert (entry.id, entry.title, entry.summary, entry.link, entry.author) == (
        "e1",
        "T",
        "S",
        "https://x/1",
        "Ann",
    )
    assert entry.published_parsed[:6] == (2024, 5, 1, 9, 0, 0)


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_hostile_text_round_trips(http: httpx.Client, srv: FeedServer, fmt: str) -> None:
    rtl = "\u202e\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627"
    short = f"<script>alert(1)</script> ]]> &amp; \"'\r\n😀 {rtl}"
    hostile = short + "x" * 20_000
    srv.set_format("/h.xml", fmt)  # type: ignore[arg-type]
    # A long author would hit feedparser's quadratic email regex (feedparser issue #562).
    srv.add_entry("/h.xml", id=hostile, title=hostile, summary=hostile, author=short, published=T0)
    feed = parse(get(http, srv, "/h.xml"))
    assert not feed.bozo
    (entry,) = feed.entries
    assert entry.title == entry.summary == entry.id == hostile
    assert entry.author == short


def test_refuses_text_xml_cannot_carry(srv: FeedServer) -> None:
    with pytest.raises(ValueError, match=r"XML 1\.0"):
        srv.add_entry("/f.xml", id="1", title="bell\x07", summary="", published=T0)
    with pytest.raises(ValueError, match="aware"):
        srv.add_entry("/f.xml", id="1", title="t", summary="", published=datetime(2024, 1, 1))


def test_etag_is_a_hash_of_the_body_and_last_modified_the_newest_entry(
    http: httpx.Client, srv: FeedServer
) -> None:
    srv.add_entry("/f.xml", id="1", title="a", summary="", published=T0)
    srv.add_entry("/f.xml", id="2", title="b", summary="", published=T0 + timedelta(hours=1))
    first, again = get(http, srv, "/f.xml"), get(http, srv, "/f.xml")
    assert first.headers["ETag"] == again.headers["ETag"]
    assert first.headers["Last-Modified"] == "Wed, 01 May 2024 10:00:00 GMT"
    srv.add_entry("/f.xml", id="3", title="c", summary="", published=T0 - timedelta(hours=1))
    assert get(http, srv, "/f.xml").headers["ETag"] != first.headers["ETag"]


def test_conditional_requests(http: httpx.Client, srv: FeedServer) -> None:
    srv.add_entry("/f.xml", id="1", title="a", summary="", published=T0)
    full = get(http, srv, "/f.xml")
    etag, modified = full.headers["ETag"], full.headers["Last-Modified"]
    assert get(http, srv, "/f.xml", **{"If-None-Match": etag}).status_code == 304
    assert get(http, srv, "/f.xml", **{"If-Modified-Since": modified}).status_code == 304
    stale = get(http, srv, "/f.xml", **{"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert stale.status_code == 200  # If-None-Match wins over If-Modified-Since
    not_modified = get(http, srv, "/f.xml", **{"If-None-Match": etag})
    assert not_modified.content == b"" and not_modified.headers["ETag"] == etag


def test_clock_hides_future_entries(http: httpx.Client) -> None:
    now = [T0]
    with FeedServer(clock=lambda: now[0]) as srv:
        srv.add_entry("/f.xml", id="past", title="a", summary="", published=T0)
        srv.add_entry("/f.xml", id="future", title="b", summary="", published=T0 + timedelta(1))
        assert [e.id for e in parse(get(http, srv, "/f.xml")).entries] == ["past"]
        now[0] = T0 + timedelta(days=2)
        assert [e.id for e in parse(get(http, srv, "/f.xml")).entries] == ["future", "past"]


def test_only_the_newest_entries_are_shown(http: httpx.Client) -> None:
    with FeedServer(max_entries=3) as srv:
        for i in range(5):
            srv.add_entry("/f.xml", id=str(i), title="t", summary="", published=T0 + timedelta(i))
        assert [e.id for e in parse(get(http, srv, "/f.xml")).entries] == ["4", "3", "2"]


def test_faults_are_served_then_consumed(http: httpx.Client, srv: FeedServer) -> None:
    srv.add_entry("/f.xml", id="1", title="a", summary="", published=T0)
    srv.fail("/f.xml", 429, times=2, headers={"Retry-After": "7"})
    statuses = [get(http, srv, "/f.xml") for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "7"


def test_faults_apply_to_their_feed_only(http: httpx.Client, srv: FeedServer) -> None:
    srv.add_entry("/f.xml", id="1", title="a", summary="", published=T0)
    srv.add_entry("/f.xml2", id="1", title="a", summary="", published=T0)
    srv.fail("/f.xml", 500)
    assert get(http, srv, "/f.xml2").status_code == 200  # a path, not a prefix
    assert get(http, srv, "/f.xml?page=2").status_code == 500  # the query is not the path
    assert get(http, srv, "/f.xml").status_code == 200


def test_a_failing_path_is_an_empty_feed_once_the_faults_are_used(
    http: httpx.Client, srv: FeedServer
) -> None:
    srv.fail("/new.xml", 503)
    assert [get(http, srv, "/new.xml").status_code for _ in range(2)] == [503, 200]


def test_raw_body_is_served_verbatim(http: httpx.Client, srv: FeedServer) -> None:
    srv.set_raw("/raw", b"<rss><broken", "text/html; charset=latin-1")
    response = get(http, srv, "/raw")
    assert response.content == b"<rss><broken"
    assert response.headers["Content-Type"] == "text/html; charset=latin-1"


def test_unknown_path_is_404_and_head_has_no_body(http: httpx.Client, srv: FeedServer) -> None:
    assert get(http, srv, "/nope").status_code == 404
    srv.add_entry("/f.xml", id="1", title="a", summary="", published=T0)
    head = http.head(srv.url("/f.xml"))
    assert head.status_code == 200 and head.content == b""


def test_requests_are_recorded_from_many_threads(http: httpx.Client, srv: FeedServer) -> None:
    srv.add_entry("/f.xml", id="1", title="a", summary="", published=T0)
    threads = [threading.Thread(target=get, args=(http, srv, "/f.xml")) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    get(http, srv, "/f.xml?x=1", **{"X-Test": "yes"})
    assert len(srv.requests) == 21
    last = srv.requests[-1]
    assert isinstance(last, Request)
    assert (last.method, last.path, last.query) == ("GET", "/f.xml", {"x": "1"})
    assert last.headers["x-test"] == "yes"  # header names are lower-cased


def test_stall_times_out_the_client_and_stop_releases_it(http: httpx.Client) -> None:
    srv = FeedServer().start()
    srv.add_entry("/f.xml", id="1", title="a", summary="", published=T0)
    srv.stall("/f.xml", 30)
    with pytest.raises(httpx.ReadTimeout):
        http.get(srv.url("/f.xml"), timeout=0.2)
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 2


def test_a_server_never_started_stops_at_once() -> None:
    srv = FeedServer()
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 1
