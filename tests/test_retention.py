"""Retention on both dialects: old mentions and their links go, in batches; recent ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from listener.records import BrandLink, MentionFilter, NewMention, PollHealth, QueueFilter, Review
from listener.scheduler import purge, retention_jobs
from listener.settings import parse_settings
from listener.storage import Storage

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def _mention(external_id: str, age: timedelta) -> NewMention:
    return NewMention(
        source="rss", platform="rss", external_id=external_id, text=f"acme and bolt {external_id}",
        created_at=NOW - age, brands=(BrandLink("acme"), BrandLink("bolt")),
    )  # fmt: skip


def _store(storage: Storage, *mentions: NewMention) -> None:
    storage.store_poll("rss", list(mentions), {}, PollHealth(polled_at=NOW))


def test_purge_deletes_only_mentions_older_than_the_window_with_their_links(
    storage: Storage,
) -> None:
    old = [_mention(f"old-{i}", timedelta(days=40, minutes=i)) for i in range(5)]
    _store(storage, *old, _mention("edge", timedelta(days=30)), _mention("new", timedelta(days=1)))

    assert storage.delete_mentions_before(NOW - timedelta(days=30), batch=2) == 5

    rows = storage.query_mentions(MentionFilter(limit=None))
    assert sorted({r.external_id for r in rows}) == ["edge", "new"]
    assert sorted(r.brand for r in rows) == ["acme", "acme", "bolt", "bolt"]
    assert storage.count_mentions() == 2


def test_purged_post_seen_again_is_stored_again(storage: Storage) -> None:
    _store(storage, _mention("a", timedelta(days=40)))
    assert purge(storage, timedelta(days=30), lambda: NOW) == 1
    _store(storage, _mention("a", timedelta(days=40)))
    assert storage.count_mentions() == 1
    assert storage.delete_mentions_before(NOW - timedelta(days=30)) == 1


def test_retention_job_only_when_configured() -> None:
    storage = Storage("sqlite:///:memory:")
    try:
        unset = parse_settings({})
        days = parse_settings({"storage": {"retention_days": 30}})
        assert retention_jobs(unset, storage, lambda: NOW) == []
        [job] = retention_jobs(days, storage, lambda: NOW)
        assert job.every == timedelta(days=1)
    finally:
        storage.close()


def test_purge_takes_the_triage_state_of_purged_mentions_along(storage: Storage) -> None:
    _store(storage, _mention("old", timedelta(days=40)), _mention("new", timedelta(days=1)))
    ids = {r.external_id: r.id for r in storage.query_mentions(MentionFilter(limit=None))}
    keys = [(ids["old"], "acme"), (ids["new"], "acme")]
    assert storage.set_reviews(keys, Review(status="engaged", updated_by="max"), NOW) == 2
    assert storage.delete_mentions_before(NOW - timedelta(days=30)) == 1
    _store(storage, _mention("old", timedelta(days=40)))  # the feed lists it again
    statuses = {
        item.mention.external_id: item.review.status
        for item in storage.review_queue(QueueFilter(brand="acme"))
    }
    assert statuses == {"old": "new", "new": "engaged"}  # no stale triage resurfaces
