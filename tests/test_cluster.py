"""Cluster mode under faults, with real Celery workers, Redis and PostgreSQL.

Each test kills or cuts something in the middle of a poll (the fake feed stalls so the task is
in flight), then counts: every mention exactly once. Restarting the shared PostgreSQL server
would disturb everything else using it, so a "database restart" is simulated by terminating
the worker's backends (``pg_terminate_backend``), which is what a restart does to a client.
The broker restart uses a private ``redis-server``.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from connectors.fakes.feeds import FeedServer
from listener.cluster import DELIVER_TASK, DETECT_TASK, POLL_TASK, make_celery, serve_cluster
from listener.cluster.locks import lock_key
from listener.records import BrandLink, NewMention, PollHealth, SentimentLabel
from listener.settings import load_settings
from listener.storage import Storage
from tests.cluster_support import (
    RedisServer,
    Worker,
    drop_queue_keys,
    queue_name,
    shared_redis_url,
    unavailable,
    wait_for,
)
from tests.conftest import POSTGRES_URL_ENV, _postgres_schema_url
from tests.receivers import Receiver

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]

FEED = "/acme.xml"
START = 40.0  # seconds a worker may take to start (imports, spaCy) on a busy machine


@dataclass
class Cluster:
    """One test's world: a schema, a queue, a fake feed, workers."""

    tmp: Path
    db_url: str
    broker_url: str
    queue: str
    feeds: FeedServer
    workers: list[Worker]
    extra: str = ""  # more config: detector, receivers

    def config(self) -> Path:
        path = self.tmp / "listener.toml"
        path.write_text(
            f"""
[storage]
url = "{self.db_url}"
[cluster]
broker_url = "{self.broker_url}"
queue = "{self.queue}"
task_timeout = "3s"
leader_retry = "1s"
[[brands]]
name = "Acme"
keywords = ["acme"]
[[sources]]
name = "feed"
kind = "rss"
feeds = ["{self.feeds.url(FEED)}"]
{self.extra}
"""
        )
        return path

    def worker(self, concurrency: int = 1) -> Worker:
        log = self.tmp / f"worker{len(self.workers)}.log"
        worker = Worker(self.config(), log, concurrency)
        self.workers.append(worker)
        return worker

    def poll(self) -> None:
        self.send(POLL_TASK, "feed")

    def send(self, task: str, *args: str) -> None:
        app = make_celery(load_settings(self.config()))
        try:
            app.send_task(task, args=list(args))
        finally:
            app.close()

    def post(self, first: int, count: int) -> None:
        now = datetime.now(UTC)
        for n in range(first, first + count):
            self.feeds.add_entry(
                FEED, id=f"urn:{n}", title=f"Acme news {n}", summary="<p>acme is fine</p>",
                link=f"https://e.test/{n}", published=now - timedelta(seconds=n),
            )  # fmt: skip

    def counts(self) -> tuple[int, int]:
        """(mentions, brand links) stored."""
        engine = sa.create_engine(self.db_url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                mentions = conn.execute(sa.text("SELECT count(*) FROM mention")).scalar_one()
                links = conn.execute(sa.text("SELECT count(*) FROM mention_brand")).scalar_one()
        finally:
            engine.dispose()
        return int(mentions), int(links)

    def wait_stored(self, expected: int, timeout: float = START) -> None:
        wait_for(lambda: self.counts()[0] >= expected, timeout, f"{expected} mentions")

    def wait_requests(self, expected: int, timeout: float = START) -> None:
        wait_for(lambda: len(self.feeds.requests) >= expected, timeout, "the worker's fetch")


def _cluster(tmp_path: Path, broker_url: str, app_name: str) -> Iterator[Cluster]:
    base = os.environ.get(POSTGRES_URL_ENV)
    if not base:
        unavailable(f"set {POSTGRES_URL_ENV} to run the cluster tests")
    for url in _postgres_schema_url(base):
        db_url = make_url(url).update_query_dict({"application_name": app_name})
        queue = queue_name()
        with FeedServer() as feeds:
            cluster = Cluster(
                tmp_path, db_url.render_as_string(hide_password=False), broker_url, queue, feeds, []
            )
            try:
                yield cluster
            finally:
                for worker in cluster.workers:
                    worker.kill()
                drop_queue_keys(broker_url, queue)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    yield from _cluster(tmp_path, shared_redis_url(), f"lt-{secrets.token_hex(4)}")


def _report(cluster: Cluster) -> str:
    return "\n".join(f"--- worker {i}\n{w.output()[-3000:]}" for i, w in enumerate(cluster.workers))


def test_a_worker_killed_mid_poll_is_redone_elsewhere_exactly_once(cluster: Cluster) -> None:
    cluster.post(0, 20)
    cluster.feeds.stall(FEED, 8)  # the first fetch hangs: the task is in flight
    first = cluster.worker()
    cluster.poll()
    cluster.wait_requests(1)
    second = cluster.worker()
    first.kill()  # kill -9, worker and pool processes together: no ack, no clean-up

    cluster.wait_stored(20, timeout=START + 15)
    assert len(cluster.feeds.requests) >= 2, "the poll was redone"
    assert second.process.poll() is None
    cluster.poll()  # polling again stores nothing twice
    cluster.wait_requests(3)
    assert cluster.counts() == (20, 20), _report(cluster)


def _terminate_backends(cluster: Cluster) -> int:
    """What a PostgreSQL restart does to the worker: every one of its sessions is cut."""
    app_name = make_url(cluster.db_url).query["application_name"]
    engine = sa.create_engine(
        make_url(cluster.db_url).difference_update_query(["application_name"]), poolclass=NullPool
    )
    try:
        with engine.connect() as conn:
            killed = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": app_name},
            ).scalar_one()
    finally:
        engine.dispose()
    return int(killed)


def test_database_connections_cut_mid_poll_heal_without_loss_or_duplicates(
    cluster: Cluster,
) -> None:
    cluster.post(0, 15)
    cluster.feeds.stall(FEED, 2)
    cluster.worker()
    cluster.poll()
    cluster.wait_requests(1)
    assert _terminate_backends(cluster) >= 1  # at least the session holding the source lock

    cluster.wait_stored(15)
    cluster.post(15, 5)
    cluster.poll()  # the pool heals: the next poll stores the new posts only
    cluster.wait_stored(20)
    assert cluster.counts() == (20, 20), _report(cluster)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cluster_on_private_redis(tmp_path: Path, private_redis: RedisServer) -> Iterator[Cluster]:
    yield from _cluster(tmp_path, private_redis.url, f"lt-{secrets.token_hex(4)}")


def test_broker_restarted_mid_poll_loses_and_duplicates_nothing(
    cluster_on_private_redis: Cluster, private_redis: RedisServer
) -> None:
    cluster = cluster_on_private_redis
    cluster.post(0, 10)
    cluster.feeds.stall(FEED, 2)
    cluster.worker()
    cluster.poll()
    cluster.wait_requests(1)
    private_redis.stop()  # the broker goes away while the task runs; its queue is lost
    private_redis.start()

    cluster.wait_stored(10)
    cluster.post(10, 10)
    cluster.poll()  # the worker reconnected; the scheduler's next poll brings the rest
    cluster.wait_stored(20)
    assert cluster.counts() == (20, 20), _report(cluster)


def _seed_revolt(storage: Storage, now: datetime) -> None:
    """Thirty quiet minutes of Acme, then two minutes of angry posts: the detector fires."""
    end = datetime.fromtimestamp(now.timestamp() // 60 * 60, UTC)  # the current bucket's start
    mentions = []
    for minute in range(32):
        angry = minute >= 30
        start = end - timedelta(minutes=32 - minute)
        for i in range(60 if angry else 3):
            when = start + timedelta(seconds=i)
            mentions.append(_mention(f"seed-{minute}-{i}", when, angry))
    storage.store_poll("feed", mentions, {}, PollHealth(polled_at=now))


def _mention(external_id: str, when: datetime, angry: bool) -> NewMention:
    label: SentimentLabel = "negative" if angry else "neutral"
    return NewMention(
        source="feed", platform="rss", external_id=external_id, text="acme", created_at=when,
        brands=(BrandLink("Acme"),), sentiment_label=label,
    )  # fmt: skip


def test_concurrent_detections_raise_and_notify_one_alert(cluster: Cluster) -> None:
    with Receiver() as hook:
        cluster.extra = f"""
[detector]
bucket = "1m"
[[alerts.receivers]]
name = "hook"
kind = "webhook"
url = "{hook.url}"
[alerts.route]
receiver = "hook"
group_wait = "1s"
"""
        storage = Storage(cluster.db_url)
        storage.upgrade()
        _seed_revolt(storage, datetime.now(UTC))
        cluster.worker(concurrency=2)
        for _ in range(4):
            cluster.send(DETECT_TASK)
        cluster.send(DETECT_TASK)  # a detection after the others, to be sure they all ran
        wait_for(lambda: _detections(cluster) == 5, START, "every detection to finish")
        time.sleep(1.5)  # group_wait
        for _ in range(3):  # concurrent deliveries: one deliverer at a time sends the row once
            cluster.send(DELIVER_TASK)
        wait_for(lambda: len(hook.events()) >= 1, 20, "the alert's notification")
        time.sleep(1)
        alerts = storage.list_alerts()
        storage.close()
    assert [a.state for a in alerts] == ["firing"], _report(cluster)
    assert [e["event"] for e in hook.events()] == ["firing"]


def _detections(cluster: Cluster) -> int:
    lines = (line for w in cluster.workers for line in w.output().splitlines())
    return sum(f"Task {DETECT_TASK}[" in line and "succeeded" in line for line in lines)


def _leader(cluster: Cluster) -> list[str]:
    """application_name of every session holding the scheduler's leader lock."""
    key = lock_key(cluster.queue, "leader", "scheduler") & 0xFFFF_FFFF_FFFF_FFFF
    engine = sa.create_engine(cluster.db_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a"
                    " USING (pid) WHERE l.locktype = 'advisory' AND l.granted"
                    " AND l.classid::bigint = :high AND l.objid::bigint = :low"
                ),
                {"high": key >> 32, "low": key & 0xFFFF_FFFF},
            )
            return sorted(r[0] for r in rows)
    finally:
        engine.dispose()


def _scheduler(cluster: Cluster, name: str, stop: threading.Event) -> threading.Thread:
    settings = load_settings(cluster.config())
    url = make_url(settings.storage.url).update_query_dict({"application_name": name})
    storage = settings.storage.model_copy(update={"url": url.render_as_string(False)})
    thread = threading.Thread(
        target=serve_cluster, args=(settings.model_copy(update={"storage": storage}), stop)
    )
    thread.start()
    return thread


def test_one_scheduler_leads_and_a_standby_takes_over(cluster: Cluster) -> None:
    storage = Storage(cluster.db_url)
    storage.upgrade()
    storage.close()
    stop_a, stop_b = threading.Event(), threading.Event()
    first = _scheduler(cluster, "sched-a", stop_a)
    wait_for(lambda: _leader(cluster) == ["sched-a"], 10, "a leader")
    second = _scheduler(cluster, "sched-b", stop_b)
    try:
        time.sleep(1.5)  # more than leader_retry: the standby has tried and stood by
        assert _leader(cluster) == ["sched-a"]
        stop_a.set()  # the leader goes away; its session ends
        first.join(10)
        wait_for(lambda: _leader(cluster) == ["sched-b"], 5, "the standby to lead")
    finally:
        stop_a.set()
        stop_b.set()
        first.join(10)
        second.join(10)
    assert not second.is_alive()
