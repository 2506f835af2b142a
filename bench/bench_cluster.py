"""Cluster benchmarks against the local Redis and PostgreSQL, fed by fake RSS feeds.

    python bench/bench_cluster.py                     # ingest with 1, 2, 4 workers; latencies
    python bench/bench_cluster.py --rate 50 --duration 30 --workers 1 2

1. Ingest rate: each feed is preloaded with posts, every source is polled once, and the clock
   runs until every post is stored (fetched, matched, analysed, upserted); best of two rounds.
   Each worker is a ``listener worker --concurrency 1`` process; the scaling factor is
   rate(N) / rate(1). With 8 sources, 8 tasks share the workers, so the factor also shows
   how evenly tasks spread.
2. End-to-end latency at a chosen rate: a load generator posts ``--rate`` posts a second
   across the feeds while ``listener run`` (the elected scheduler) polls each source every
   second; latency is from the post to its row in the database (sampled every 50 ms).
3. Post to alert: a quiet history is seeded for a second brand, then a burst of angry posts
   about it; latency is from the first angry post to the alert's row (detection every 5 s
   bucket, so this is bounded below by the bucket).

The history-query p95 at 1M mentions is ``bench/bench_history.py`` (web work), not here.
Env: LISTENER_BENCH_POSTGRES_URL, LISTENER_BENCH_REDIS_URL.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import redis  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from connectors.fakes.feeds import FeedServer  # noqa: E402
from listener.cluster import POLL_TASK, make_celery  # noqa: E402
from listener.records import BrandLink, NewMention, PollHealth  # noqa: E402
from listener.settings import load_settings  # noqa: E402
from listener.storage import Storage  # noqa: E402

PG = os.environ.get(
    "LISTENER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS = os.environ.get("LISTENER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
FEEDS = 8
BUCKET = 5  # seconds, for the alert part
ROUNDS = 2  # ingest rounds per worker count; the best counts (the machine may be shared)
ANGRY = "{brand} is terrible, awful, a scam. I hate {brand} and want a refund now"


class Bench:
    """A schema, a queue, fake feeds and the processes of one benchmark run."""

    def __init__(self, tmp: Path, feeds: FeedServer) -> None:
        self.tmp, self.feeds = tmp, feeds
        self.schema = f"bench_{secrets.token_hex(4)}"
        self.queue = f"bench-{secrets.token_hex(4)}"
        self.admin = sa.create_engine(PG, poolclass=NullPool)
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {self.schema}")
        url = make_url(PG).update_query_dict({"options": f"-csearch_path={self.schema}"})
        self.url = url.render_as_string(hide_password=False)
        self.db = sa.create_engine(self.url, poolclass=NullPool)
        self.config = tmp / "listener.toml"
        self.config.write_text(self._config())
        self.processes: list[subprocess.Popen[bytes]] = []
        self.posted: dict[str, float] = {}  # external id -> when posted (monotonic)
        self.serial = 0

    def _config(self) -> str:
        sources = "".join(
            f'[[sources]]\nname = "feed{i}"\nkind = "rss"\ninterval = "1s"\n'
            f'feeds = ["{self.feeds.url(f"/f{i}.xml")}"]\n'
            for i in range(FEEDS)
        )
        return f"""
[storage]
url = "{self.url}"
[cluster]
broker_url = "{REDIS}"
queue = "{self.queue}"
leader_retry = "2s"
[detector]
bucket = "{BUCKET}s"
[[brands]]
name = "Acme"
keywords = ["acme"]
[[brands]]
name = "Bolt"
keywords = ["bolt"]
{sources}"""

    def start(self, *args: str) -> None:
        log = (self.tmp / f"p{len(self.processes)}.log").open("ab")
        self.processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "listener", *args, "--config", str(self.config)],
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def wait_ready(self, timeout: float) -> None:
        """Until every worker's processes have built their pipelines (spaCy loaded)."""
        deadline = time.monotonic() + timeout
        logs = [self.tmp / f"p{i}.log" for i in range(len(self.processes))]
        while not all("pipeline" in log.read_text(errors="replace") for log in logs):
            if time.monotonic() > deadline:
                raise SystemExit(f"workers did not start; see {self.tmp}")
            time.sleep(0.2)

    def stop_all(self) -> None:
        for p in self.processes:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        self.processes = []

    def post(
        self, count: int, text: str = "acme news, nothing special", feed: int | None = None
    ) -> None:
        now = datetime.now(UTC)
        for _ in range(count):
            self.serial += 1
            n = self.serial
            ident = f"urn:{n}"
            self.feeds.add_entry(
                f"/f{feed if feed is not None else n % FEEDS}.xml",
                id=ident,
                title=f"post {n}",
                summary=text,
                link=f"https://e.test/{n}",
                published=now,
            )
            self.posted[ident] = time.monotonic()

    def poll_all(self) -> None:
        app = make_celery(load_settings(self.config))
        try:
            for i in range(FEEDS):
                app.send_task(POLL_TASK, args=[f"feed{i}"])
        finally:
            app.close()

    def count(self) -> int:
        with self.db.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM mention")).scalar_one())

    def wait_count(self, target: int, timeout: float) -> float:
        start = time.monotonic()
        while self.count() < target:
            if time.monotonic() - start > timeout:
                raise SystemExit(f"timed out: {self.count()} of {target} stored; see {self.tmp}")
            time.sleep(0.02)
        return time.monotonic() - start

    def close(self) -> None:
        self.stop_all()
        self.db.dispose()
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.admin.dispose()
        client = redis.Redis.from_url(REDIS)
        keys = list(client.scan_iter(match=f"{self.queue}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@contextmanager
def bench() -> Iterator[Bench]:
    with tempfile.TemporaryDirectory() as tmp, FeedServer(max_entries=10_000) as feeds:
        b = Bench(Path(tmp), feeds)
        storage = Storage(b.url)
        storage.upgrade()
        storage.close()
        try:
            yield b
        finally:
            b.close()


def ingest_rate(workers: int, per_feed: int) -> float:
    """Mentions stored per second by ``workers`` worker processes."""
    with bench() as b:
        for _ in range(workers):
            b.start("worker", "--concurrency", "1")
        b.wait_ready(120)
        b.post(FEEDS * 2)  # warm-up: connections opened, feeds' first answers cached
        b.poll_all()
        b.wait_count(FEEDS * 2, 120)
        return max(_round(b, per_feed) for _ in range(ROUNDS))


def _round(b: Bench, per_feed: int) -> float:
    """Post ``per_feed`` to every feed, poll each source once, time until all are stored."""
    total = FEEDS * per_feed
    before = b.count()
    b.post(total)
    b.poll_all()
    return total / b.wait_count(before + total, 300)


def latencies(workers: int, rate: float, duration: float) -> tuple[list[float], float | None]:
    """Post->stored latencies of a steady stream, then the post->alert latency."""
    with bench() as b:
        for _ in range(workers):
            b.start("worker", "--concurrency", "1")
        b.post(FEEDS)
        b.poll_all()
        b.wait_count(FEEDS, 120)
        b.posted.clear()  # the warm-up posts waited for the workers to start, not for a poll
        seed_quiet_history(b.url, "Bolt")
        b.start("run")
        seen = watch(b, rate, duration)
        stored = [seen[i] - b.posted[i] for i in seen if i in b.posted]
        return stored, alert_latency(b)


def watch(b: Bench, rate: float, duration: float) -> dict[str, float]:
    """Post at ``rate`` for ``duration`` seconds; return when each post's row appeared."""
    seen: dict[str, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            with b.db.connect() as conn:
                ids = conn.execute(sa.text("SELECT external_id FROM mention")).scalars()
                now = time.monotonic()
                for ident in ids:
                    seen.setdefault(ident, now)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    end = time.monotonic() + duration
    while time.monotonic() < end:
        b.post(max(1, round(rate / 10)))
        time.sleep(0.1)
    target = len(b.posted)
    deadline = time.monotonic() + 30
    while len(seen) < target and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    sampler.join()
    return seen


def seed_quiet_history(url: str, brand: str) -> None:
    """Thirty quiet buckets of ``brand`` ending now, so a burst stands out."""
    now = datetime.now(UTC)
    end = datetime.fromtimestamp(now.timestamp() // BUCKET * BUCKET, UTC)
    mentions = [
        NewMention(
            source="seed",
            platform="seed",
            external_id=f"{brand}-{k}-{i}",
            text=brand,
            created_at=end - timedelta(seconds=BUCKET * (30 - k) - i),
            brands=(BrandLink(brand),),
        )
        for k in range(30)
        for i in range(3)
    ]
    storage = Storage(url)
    storage.store_poll("seed", mentions, {}, PollHealth(polled_at=now))
    storage.close()


def alert_latency(b: Bench) -> float | None:
    """Seconds from the first angry post to the alert's row; None if none within 60 s."""
    start = time.monotonic()
    deadline = start + 60
    while time.monotonic() < deadline:
        if time.monotonic() - start < 2 * BUCKET:  # two buckets of anger
            for feed in range(FEEDS):
                b.post(2, ANGRY.format(brand="Bolt"), feed)
        with b.db.connect() as conn:
            if conn.execute(sa.text("SELECT count(*) FROM alert")).scalar_one():
                return time.monotonic() - start
        time.sleep(0.25)
    return None


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--per-feed", type=int, default=400, help="posts per feed, ingest part")
    parser.add_argument("--rate", type=float, default=20.0, help="posts per second, latency part")
    parser.add_argument("--duration", type=float, default=12.0, help="seconds of load")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; {FEEDS} RSS sources; PostgreSQL + Redis local")
    rates = {n: ingest_rate(n, args.per_feed) for n in args.workers}
    base = rates[args.workers[0]]
    for n, r in rates.items():
        print(f"ingest, {n} worker process(es): {r:7.0f} mentions/s  (x{r / base:.2f})")
    stored, alert = latencies(2, args.rate, args.duration)
    print(
        f"post->stored at {args.rate:g} posts/s, 2 workers, 1 s poll interval: "
        f"p50 {pct(stored, 50):.2f} s, p95 {pct(stored, 95):.2f} s, max {max(stored):.2f} s "
        f"({len(stored)} posts)"
    )
    shown = "none within 60 s" if alert is None else f"{alert:.1f} s"
    print(f"post->alert ({BUCKET} s buckets, detection every bucket): {shown}")


if __name__ == "__main__":
    main()
