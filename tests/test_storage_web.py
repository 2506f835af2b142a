"""Web storage on both dialects: users and tokens, review queue, full-text history search."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from listener.records import QueueFilter, Review, SearchQuery
from listener.storage import Storage, search
from tests.webdata import HOSTILE, MENTIONS, T0, mention, seed

NOW = T0 + timedelta(days=1)


@pytest.fixture
def seeded(storage: Storage) -> Storage:
    seed(storage)
    return storage


def test_users_are_upserted_and_tokens_resolve_to_their_owner(storage: Storage) -> None:
    storage.save_user("ann", "viewer", "hash1", NOW)
    storage.save_user("ann", "manager", "hash2", NOW)
    ann = storage.get_user(name="ann")
    assert ann is not None and (ann.role, ann.password_hash) == ("manager", "hash2")
    storage.add_api_token(ann.id, "secret-token", "ci", NOW)

    assert storage.user_by_token("secret-token") == ann
    assert storage.user_by_token("other") is None
    assert [u.name for u in storage.list_users()] == ["ann"]


def test_queue_puts_outpost_mentions_first_then_newest(seeded: Storage) -> None:
    items = seeded.review_queue(QueueFilter(brand="Acme"))
    assert [i.mention.external_id for i in items] == ["p3", "p4", "p2", "p1"]
    assert {i.review.status for i in items} == {"new"}


def test_triage_sets_state_and_counts_follow(seeded: Storage) -> None:
    ids = {i.mention.external_id: i.mention.id for i in seeded.review_queue(QueueFilter())}
    change = Review("engaged", assignee="bob", note="replied", updated_by="ann")
    updated = seeded.set_reviews([(ids["p1"], "Acme"), (ids["p1"], "Globex")], change, NOW)

    assert updated == 1  # p1 is not counted for Globex
    engaged = seeded.review_queue(QueueFilter(status="engaged"))
    assert [(i.mention.external_id, i.review.assignee, i.review.note) for i in engaged] == [
        ("p1", "bob", "replied")
    ]
    assert engaged[0].review.updated_at == NOW
    assert seeded.status_counts(QueueFilter(brand="Acme", status="engaged")) == {
        "new": 3,
        "engaged": 1,
    }


def test_queue_filters_by_topic_sentiment_and_outpost(seeded: Storage) -> None:
    def ids(f: QueueFilter) -> list[str]:
        return [i.mention.external_id for i in seeded.review_queue(f)]

    assert ids(QueueFilter(topic="blender")) == ["p5", "p2"]
    assert ids(QueueFilter(topic="blend")) == []
    assert ids(QueueFilter(sentiment="negative", brand="Acme")) == ["p3", "p4", "p1"]
    assert ids(QueueFilter(outpost="rss:https://acme.example/feed")) == ["p3"]


@pytest.mark.parametrize("probe_above", [1, 100_000], ids=["walk-newest", "collect-and-sort"])
def test_full_text_search_matches_all_words_in_any_case(
    seeded: Storage, probe_above: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both plans: common words walk rows newest first, rare ones are collected from the index.
    monkeypatch.setattr(search, "PROBE_ABOVE", {"sqlite": probe_above, "postgresql": probe_above})

    def ids(text: str, **filters: object) -> list[str]:
        page = seeded.search_history(SearchQuery(text=text, **filters))  # type: ignore[arg-type]
        return [r.external_id for r in page.rows]

    assert ids("BLENDER") == ["p5", "p2"]
    assert ids("blender acme") == ["p2"]
    assert ids("blender", brand="Globex") == ["p5"]
    assert ids("hacked acme") == ["p4"]
    # FTS5 / tsquery operators are plain words, never syntax errors or injections.
    assert ids('blender OR "refund') == []
    assert ids("NEAR(acme support) *") == []
    assert ids("!!!") == []


def test_search_index_follows_new_mentions(seeded: Storage) -> None:
    seeded.store_poll("feeds", [mention(9, "Zebra stripes at Acme")], {}, _health())
    assert [r.external_id for r in seeded.search_history(SearchQuery(text="zebra")).rows] == ["p9"]


def test_keyset_pages_cover_everything_once_newest_first(seeded: Storage) -> None:
    seen, query = [], SearchQuery(limit=2)
    while True:
        page = seeded.search_history(query)
        seen += [r.external_id for r in page.rows]
        if page.next_cursor is None:
            break
        query = replace(query, after=page.next_cursor)
    assert seen == ["p5", "p4", "p3", "p2", "p1"]
    assert [r.external_id for r in seeded.iter_history(SearchQuery(text="acme"))] == [
        "p4", "p3", "p2", "p1",
    ]  # fmt: skip


def test_hostile_text_is_stored_verbatim(seeded: Storage) -> None:
    rows = seeded.search_history(SearchQuery(text="hacked")).rows
    assert [r.text for r in rows] == [HOSTILE]


def test_volume_by_sentiment_and_brands(seeded: Storage) -> None:
    counts = seeded.volume_by_sentiment(None, T0, NOW, timedelta(hours=1))
    assert sorted((b, s, n) for _, b, s, n in counts) == [
        ("Acme", "negative", 3), ("Acme", "positive", 1), ("Globex", "neutral", 1),
    ]  # fmt: skip
    assert seeded.brands() == ["Acme", "Globex"]
    assert len(MENTIONS) == 5


def test_get_alert(seeded: Storage) -> None:
    alert = seeded.list_alerts()[0]
    assert seeded.get_alert(alert.id) == alert
    assert seeded.get_alert(alert.id + 100) is None


def _health():  # type: ignore[no-untyped-def]
    from listener.records import PollHealth

    return PollHealth(polled_at=NOW)
