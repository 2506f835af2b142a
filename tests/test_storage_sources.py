"""Source cursors and health on both dialects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from listener.records import PollHealth
from listener.storage import Storage

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CURSOR = {
    "etags": {"https://example.com/feed?a=1&b=2": 'W/"abc"'},
    "since_id": "1790000000000000000",
    "seen": [1, 2.5, None, True],
    "note": "\u05e9\u05dc\u05d5\u05dd \U0001f525 nul:\x00",
}


def test_a_source_never_polled_has_no_cursor_and_no_state(storage: Storage) -> None:
    assert storage.load_cursor("rss") == {}
    assert storage.source_state("rss") is None
    assert storage.source_states() == []


def test_cursor_and_health_round_trip(storage: Storage) -> None:
    limited = datetime(2026, 3, 1, 15, 0, tzinfo=timezone(timedelta(hours=2)))
    health = PollHealth(polled_at=T0, fetched=3, error="feed b: 500", rate_limited_until=limited)
    storage.store_poll("rss", [], CURSOR, health)

    state = storage.source_state("rss")
    assert storage.load_cursor("rss") == CURSOR
    assert state is not None and state.cursor == CURSOR
    assert (state.last_polled, state.last_success, state.last_error_at) == (T0, T0, T0)
    assert state.last_error == "feed b: 500"
    assert state.rate_limited_until == datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    assert state.rate_limited_until.tzinfo is UTC
    assert (state.items_fetched, state.consecutive_failures) == (3, 0)


def test_record_failure_keeps_the_cursor_and_counts_the_streak(storage: Storage) -> None:
    storage.store_poll("rss", [], CURSOR, PollHealth(polled_at=T0, fetched=4))
    for minutes in (10, 20):
        failed_at = T0 + timedelta(minutes=minutes)
        storage.record_failure("rss", PollHealth(polled_at=failed_at, error="timeout"))

    state = storage.source_state("rss")
    assert state is not None
    assert storage.load_cursor("rss") == CURSOR == state.cursor
    assert state.consecutive_failures == 2
    assert (state.last_polled, state.last_success) == (T0 + timedelta(minutes=20), T0)
    assert (state.last_error, state.last_error_at) == ("timeout", T0 + timedelta(minutes=20))


def test_a_success_resets_the_streak_and_keeps_the_last_error(storage: Storage) -> None:
    storage.record_failure("x", PollHealth(polled_at=T0, error="429"))
    later = T0 + timedelta(hours=1)
    storage.store_poll("x", [], {"since_id": "9"}, PollHealth(polled_at=later, fetched=2))
    storage.store_poll("x", [], {"since_id": "10"}, PollHealth(polled_at=later, fetched=5))

    state = storage.source_state("x")
    assert state is not None
    assert (state.cursor, state.consecutive_failures, state.items_fetched) == (
        {"since_id": "10"},
        0,
        7,
    )
    assert (state.last_error, state.last_error_at, state.last_success) == ("429", T0, later)


def test_a_failure_before_any_success_starts_with_an_empty_cursor(storage: Storage) -> None:
    until = T0 + timedelta(minutes=15)
    storage.record_failure("reddit", PollHealth(polled_at=T0, rate_limited_until=until))

    state = storage.source_state("reddit")
    assert state is not None
    assert (state.cursor, state.last_success, state.consecutive_failures) == ({}, None, 1)
    assert (state.last_error, state.rate_limited_until) == ("unknown error", until)


def test_source_states_lists_every_source_by_name(storage: Storage) -> None:
    for name in ("x", "rss", "reddit"):
        storage.store_poll(name, [], {}, PollHealth(polled_at=T0))
    assert [s.name for s in storage.source_states()] == ["reddit", "rss", "x"]


def test_naive_poll_time_is_refused(storage: Storage) -> None:
    with pytest.raises(ValueError, match="polled_at must be timezone-aware"):
        storage.record_failure("rss", PollHealth(polled_at=datetime(2026, 3, 1)))
    assert storage.source_state("rss") is None
