"""Mentions on both dialects: idempotent upserts, brand links, filters, streaming, hostile text."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from listener.records import BrandLink, MentionFilter, NewMention, PollHealth
from listener.storage import Storage, StoreResult
from listener.storage import mentions as mention_sql

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALL = MentionFilter(limit=None)


def post(external_id: str, **changes: Any) -> NewMention:
    """A mention of acme posted at T0 unless told otherwise."""
    base = NewMention(
        source="rss",
        platform="rss",
        external_id=external_id,
        text=f"post {external_id} about Acme",
        created_at=T0,
        brands=(BrandLink("acme"),),
        reach=10,
    )
    return replace(base, **changes)


def store(storage: Storage, *mentions: NewMention, source: str = "rss") -> StoreResult:
    health = PollHealth(polled_at=T0 + timedelta(hours=1), fetched=len(mentions))
    return storage.store_poll(source, list(mentions), {"seen": len(mentions)}, health)


def ids(storage: Storage, f: MentionFilter) -> list[str]:
    return [row.external_id for row in storage.query_mentions(f)]


def test_storing_the_same_post_twice_keeps_one_row(storage: Storage) -> None:
    assert store(storage, post("1"), post("2")) == StoreResult(new=2, updated=0)
    assert store(storage, post("1"), post("3")) == StoreResult(new=1, updated=1)

    assert storage.count_mentions() == 3
    assert sorted(ids(storage, ALL)) == ["1", "2", "3"]


def test_restoring_refreshes_reach_and_sentiment_but_keeps_text(storage: Storage) -> None:
    store(storage, post("1", reach=10))
    angry = post("1", text="edited", reach=99, sentiment_label="negative", sentiment_score=-0.8)
    store(storage, angry)
    store(storage, post("1", reach=None, sentiment_label="negative", sentiment_score=-0.8))

    (row,) = storage.query_mentions(ALL)
    assert (row.text, row.reach, row.sentiment_label) == ("post 1 about Acme", 99, "negative")
    counts = storage.bucket_counts("acme", T0, T0 + timedelta(hours=1), timedelta(hours=1))
    assert [(c.negative, c.reach) for c in counts] == [(1, 99)]  # denormalised copy follows


def test_outpost_is_added_later_and_never_dropped(storage: Storage) -> None:
    store(storage, post("1"))
    assert storage.query_mentions(ALL)[0].outpost is None

    store(storage, post("1", brands=(BrandLink("acme", "reddit:r/acme"),)))
    store(storage, post("1"))

    (row,) = storage.query_mentions(ALL)
    assert row.outpost == "reddit:r/acme"


def test_a_post_naming_two_brands_is_one_mention_with_two_links(storage: Storage) -> None:
    both = (BrandLink("acme"), BrandLink("globex", "rss:globex"), BrandLink("acme", "rss:acme"))
    assert store(storage, post("1", brands=both)) == StoreResult(new=1, updated=0)

    rows = storage.query_mentions(ALL)
    assert storage.count_mentions() == 1
    assert sorted((r.brand, r.outpost) for r in rows) == [
        ("acme", "rss:acme"),
        ("globex", "rss:globex"),
    ]
    assert {r.id for r in rows} == {rows[0].id}


def test_duplicates_within_a_poll_and_across_chunks_are_stored_once(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mention_sql, "STORE_CHUNK", 3)
    on_outpost = post("1", brands=(BrandLink("acme", "rss:acme"),), reach=50)
    batch = [post("1"), post("2"), on_outpost, post("3"), post("1", reach=None), post("2", reach=7)]

    assert store(storage, *batch) == StoreResult(new=3, updated=3)

    rows = {r.external_id: r for r in storage.query_mentions(ALL)}
    assert storage.count_mentions() == 3 == len(rows)
    assert (rows["1"].outpost, rows["1"].reach, rows["2"].reach) == ("rss:acme", 50, 7)
    counts = storage.bucket_counts("acme", T0, T0 + timedelta(hours=1), timedelta(hours=1))
    assert [(c.total, c.reach) for c in counts] == [(3, 50 + 7 + 10)]  # links agree with mentions


def test_merge_links_keeps_an_outpost_given_for_a_repeated_brand() -> None:
    item = post("1", brands=(BrandLink("a", "x"), BrandLink("a"), BrandLink("b")))
    assert mention_sql.merge_links(item) == {"a": "x", "b": None}


@pytest.fixture(scope="module")
def varied(module_storage: Storage) -> Storage:
    """Six mentions, one per minute from T0, differing in every filtered field (read-only)."""
    storage = module_storage
    store(
        storage,
        post("a", created_at=T0, text="Great ACME launch"),
        post("b", created_at=T0 + timedelta(minutes=1), platform="reddit", text="100% off_sale"),
        post("c", created_at=T0 + timedelta(minutes=2), sentiment_label="negative"),
        post("d", created_at=T0 + timedelta(minutes=3), brands=(BrandLink("acme", "x:acme"),)),
        post("e", created_at=T0 + timedelta(minutes=4), brands=(BrandLink("globex"),)),
    )
    store(storage, post("f", created_at=T0 + timedelta(minutes=5), source="x"), source="x")
    return storage


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (ALL, ["f", "e", "d", "c", "b", "a"]),
        (MentionFilter(brand="globex"), ["e"]),
        (MentionFilter(source="x"), ["f"]),
        (MentionFilter(platform="reddit"), ["b"]),
        (MentionFilter(outpost="x:acme"), ["d"]),
        (MentionFilter(sentiment="negative"), ["c"]),
        (MentionFilter(since=T0 + timedelta(minutes=4)), ["f", "e"]),
        (MentionFilter(until=T0 + timedelta(minutes=1)), ["a"]),
        (MentionFilter(query="great acme"), ["a"]),
        (MentionFilter(query="0% OFF_"), ["b"]),
        (MentionFilter(query="%"), ["b"]),
        (MentionFilter(query="_"), ["b"]),
        (MentionFilter(query="g_eat"), []),
        (MentionFilter(limit=2), ["f", "e"]),
        (MentionFilter(brand="acme", sentiment="neutral", limit=2), ["f", "d"]),
    ],
)
def test_filters(varied: Storage, f: MentionFilter, expected: list[str]) -> None:
    assert ids(varied, f) == expected


def test_bucket_counts_align_to_the_epoch_and_skip_empty_buckets(storage: Storage) -> None:
    bucket = timedelta(minutes=7)  # 13:03 and 13:38 are multiples of 7 min since the epoch
    since, until = T0 + timedelta(hours=1, minutes=5), T0 + timedelta(hours=2)
    store(
        storage,
        post("early", created_at=since - timedelta(microseconds=1)),
        post("1", created_at=since, reach=5),
        post("2", created_at=since + timedelta(minutes=1), sentiment_label="negative", reach=None),
        post("3", created_at=since + timedelta(minutes=35), sentiment_label="negative", reach=7),
        post("until", created_at=until),
        post("other", created_at=since, brands=(BrandLink("globex"),)),
    )

    counts = storage.bucket_counts("acme", since, until, bucket)

    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert all((c.start - epoch) % bucket == timedelta(0) for c in counts)
    assert [(c.start, c.total, c.negative, c.reach) for c in counts] == [
        (datetime(2026, 3, 1, 13, 3, tzinfo=UTC), 2, 1, 5),
        (datetime(2026, 3, 1, 13, 38, tzinfo=UTC), 1, 1, 7),
    ]
    assert all(c.start.tzinfo is UTC for c in counts)


def test_bucket_counts_reject_a_non_positive_bucket(storage: Storage) -> None:
    with pytest.raises(ValueError, match="bucket must be positive"):
        storage.bucket_counts("acme", T0, T0 + timedelta(hours=1), timedelta(0))


def test_top_mentions_put_outpost_posts_first_then_reach(storage: Storage) -> None:
    store(
        storage,
        post("wide", reach=1000),
        post("none", reach=None),
        post("narrow", reach=3),
        post("outpost", reach=1, brands=(BrandLink("acme", "rss:acme"),)),
        post("angry", reach=50, sentiment_label="negative"),
        post("late", reach=5000, created_at=T0 + timedelta(hours=2)),
    )
    window = (T0, T0 + timedelta(hours=1))

    top = storage.top_mentions("acme", *window, limit=4)
    negative = storage.top_mentions("acme", *window, negative_only=True)

    assert [r.external_id for r in top] == ["outpost", "wide", "angry", "narrow"]
    assert [r.external_id for r in negative] == ["angry"]


def test_mention_topics_are_of_the_newest_of_the_brand_in_the_window(storage: Storage) -> None:
    store(
        storage,
        *(
            post(str(i), created_at=T0 + timedelta(minutes=i), topics=(f"t{i}", "refund"))
            for i in range(5)
        ),
        post("g", topics=("globex",), brands=(BrandLink("globex"),)),
    )
    topics = storage.mention_topics("acme", T0, T0 + timedelta(minutes=4), limit=3)
    assert topics == ["t3", "refund", "t2", "refund", "t1", "refund"]


def test_known_links_say_which_brand_links_are_stored(storage: Storage) -> None:
    outpost = "reddit:r/acme"
    store(
        storage,
        post("1", brands=(BrandLink("acme", outpost), BrandLink("globex"))),
        post("2"),
        post("3", platform="reddit"),
    )
    assert storage.known_links("rss", ["1", "2", "3", "9"]) == {
        ("1", "acme", outpost),
        ("1", "globex", None),
        ("2", "acme", None),
    }
    assert storage.known_links("rss", []) == set()


def test_times_come_back_as_utc_and_naive_times_are_refused(storage: Storage) -> None:
    paris = timezone(timedelta(hours=2))
    store(storage, post("1", created_at=datetime(2026, 3, 1, 14, 0, 0, 123456, tzinfo=paris)))

    (row,) = storage.query_mentions(ALL)
    assert row.created_at == datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert row.created_at.tzinfo is UTC and row.fetched_at.tzinfo is UTC
    assert ids(storage, MentionFilter(since=datetime(2026, 3, 1, 14, tzinfo=paris))) == ["1"]

    naive = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        store(storage, post("2", created_at=naive))
    with pytest.raises(ValueError, match="timezone-aware"):
        storage.query_mentions(MentionFilter(since=naive))
    assert storage.count_mentions() == 1


HOSTILE = {
    "script": "<script>alert('x')</script> & <b>bold</b>",
    "sql": "'; DROP TABLE mention; -- \\ \" %_",
    "rtl": "\u202eevil\u202c \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "emoji": "\U0001f469\u200d\U0001f469\u200d\U0001f467 \U0001f525\ufe0f \U0001f1eb\U0001f1f7",
    "big": "A\u00e9\U0001f600" * 7000,  # ~20 K characters, multi-byte
    "whitespace": "  leading\r\n\ttrailing  \n",
}


def test_hostile_text_is_stored_verbatim(storage: Storage) -> None:
    store(storage, *(post(name, text=text, author=text[:20]) for name, text in HOSTILE.items()))

    stored = {row.external_id: row for row in storage.query_mentions(ALL)}
    assert {name: row.text for name, row in stored.items()} == HOSTILE
    assert {name: row.author for name, row in stored.items()} == {
        name: text[:20] for name, text in HOSTILE.items()
    }
    for name, text in HOSTILE.items():
        assert ids(storage, MentionFilter(query=text[:30])) == [name]


def test_nul_becomes_a_replacement_character_and_the_mention_is_kept(storage: Storage) -> None:
    # PostgreSQL text cannot hold NUL: both dialects store U+FFFD instead, identically.
    store(storage, post("id\x00", text="before\x00after", extra={"k": "v\x00"}))
    store(storage, post("id\x00", text="before\x00after"))

    (row,) = storage.query_mentions(ALL)
    assert (row.external_id, row.text) == ("id\ufffd", "before\ufffdafter")
    assert storage.count_mentions() == 1
    assert ids(storage, MentionFilter(query="e\x00a")) == ["id\ufffd"]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(mention_sql, "STREAM_BATCH", 7)
    yield


def test_iter_mentions_streams_in_batches_while_others_write(
    storage: Storage, small_batches: None
) -> None:
    store(storage, *(post(f"{i:03}", created_at=T0 + timedelta(seconds=i)) for i in range(50)))
    stream = storage.iter_mentions(ALL)

    first = next(stream)
    store(storage, post("written-meanwhile"))  # a reader must not block the writer
    rest = list(stream)

    assert first.external_id == "049"
    assert [r.external_id for r in rest] == [f"{i:03}" for i in range(48, -1, -1)]


def test_iter_mentions_honours_filters_and_limit(storage: Storage) -> None:
    store(storage, *(post(str(i), created_at=T0 + timedelta(seconds=i)) for i in range(5)))
    f = MentionFilter(since=T0 + timedelta(seconds=1), limit=3)
    assert [r.external_id for r in storage.iter_mentions(f)] == ["4", "3", "2"]


def test_a_failed_cursor_save_rolls_back_the_mentions(storage: Storage) -> None:
    health = PollHealth(polled_at=T0)
    with pytest.raises(ValueError, match="cursor must be JSON-serialisable"):
        storage.store_poll("rss", [post("1")], {"not json": object()}, health)

    assert storage.count_mentions() == 0
    assert storage.load_cursor("rss") == {}


def test_concurrent_writers_store_each_post_once(storage: Storage) -> None:
    batch = [post(str(i), brands=(BrandLink("acme"), BrandLink("globex"))) for i in range(20)]
    results: list[StoreResult] = []
    errors: list[BaseException] = []

    def write() -> None:
        try:
            results.append(store(storage, *batch))
        except BaseException as e:  # surfaced by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=write) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.new for r in results) == 20
    assert storage.count_mentions() == 20
    assert len(storage.query_mentions(ALL)) == 40
