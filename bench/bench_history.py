"""History search speed: fill a database with N mentions, time the first page of searches.

    python bench/bench_history.py [--n 1000000] [--url sqlite:///PATH | postgresql+psycopg://...]

Rows go in through executemany in batches (the FTS5 triggers index them as on a live system);
then each query's first page (50 rows, newest first) runs several times; p50/p95 are printed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from listener.records import SearchQuery
from listener.storage import Storage
from listener.storage import tables as t
from listener.storage.tables import epoch_us

WORDS = [
    "acme",
    "refund",
    "support",
    "shipping",
    "broken",
    "love",
    "great",
    "blender",
    "delay",
    "price",
    "order",
    "app",
    "update",
    "crash",
    "login",
    "battery",
    "screen",
    "customer",
    "service",
    "awful",
    "amazing",
    "slow",
    "fast",
    "cheap",
    "return",
]
BRANDS = ("Acme", "Globex", "Initech")
QUERIES = (
    SearchQuery(text="refund"),
    SearchQuery(text="refund broken"),
    SearchQuery(text="blender", brand="Acme"),
    SearchQuery(brand="Globex", sentiment="negative"),
    SearchQuery(text="zzzz"),  # matches nothing
    SearchQuery(),
)
BATCH = 20_000


def fill(storage: Storage, n: int) -> None:
    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with storage._engine.begin() as conn:  # bench only: bypass the façade for bulk speed
        for first in range(0, n, BATCH):
            mentions, links = [], []
            for i in range(first, min(first + BATCH, n)):
                created = start + timedelta(seconds=i * 20)
                label = rng.choice(("positive", "neutral", "negative"))
                mentions.append(_mention(i, created, label, rng))
                links.append({"mention_id": i + 1, "brand": BRANDS[i % 3], "outpost": None,
                              "created_epoch_us": epoch_us(created), "sentiment_label": label,
                              "reach": i % 1000})  # fmt: skip
            conn.execute(t.mention.insert(), mentions)
            conn.execute(t.mention_brand.insert(), links)


def _mention(i: int, created: datetime, label: str, rng: random.Random) -> dict[str, object]:
    return {
        "id": i + 1, "source": "bench", "platform": "rss", "external_id": f"b{i}",
        "url": f"https://example.com/{i}", "author": f"a{i % 5000}", "title": "",
        "text": " ".join(rng.choices(WORDS, k=12)), "created_at": created, "fetched_at": created,
        "lang": "en", "reach": i % 1000, "sentiment_label": label, "sentiment_score": 0.0,
        "sentiment_scored": True, "topics": [], "extra": {},
    }  # fmt: skip


def measure(storage: Storage, rounds: int) -> None:
    timings: list[float] = []
    for query in QUERIES:
        mine = []
        for _ in range(rounds):
            began = time.perf_counter()
            storage.search_history(query)
            mine.append(time.perf_counter() - began)
        timings += mine
        print(f"  {query.text or '-':>14} brand={query.brand or '-':<7} "
              f"median {statistics.median(mine) * 1000:7.1f} ms")  # fmt: skip
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(f"first page: p50 {statistics.median(timings) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
          f"over {len(timings)} searches")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="mentions to store")
    parser.add_argument("--url", help="database URL (default: a new SQLite file)")
    parser.add_argument("--rounds", type=int, default=10, help="runs per query")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    storage = Storage(url)
    storage.upgrade()
    began = time.perf_counter()
    fill(storage, args.n)
    with storage._engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    print(f"{args.n} mentions stored in {time.perf_counter() - began:.0f} s ({url.split(':')[0]})")
    measure(storage, args.rounds)
    storage.close()


if __name__ == "__main__":
    main()
