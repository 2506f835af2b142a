from datetime import UTC, datetime, timedelta, timezone

import pytest

from listener.times import iso, parse_since, parse_time

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_naive_times_are_utc_and_offsets_are_kept() -> None:
    assert parse_time("2026-11-23 10:00:00") == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert parse_time(" 2026-11-23T10:00:00Z ") == datetime(2026, 11, 23, 10, tzinfo=UTC)
    plus_two = parse_time("2026-11-23T12:00:00+02:00")
    assert plus_two.utcoffset() == timedelta(hours=2) and plus_two == datetime(
        2026, 11, 23, 10, tzinfo=UTC
    )


def test_since_takes_a_time_or_a_duration_ago() -> None:
    assert parse_since("24h", NOW) == NOW - timedelta(hours=24)
    assert parse_since("2026-11-01", NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    for bad in ("yesterday", "", "10"):
        with pytest.raises(ValueError):
            parse_since(bad, NOW)


def test_iso_is_utc_with_z() -> None:
    paris = timezone(timedelta(hours=1))
    assert iso(datetime(2026, 11, 23, 13, 30, tzinfo=paris)) == "2026-11-23T12:30:00Z"
