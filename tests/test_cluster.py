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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from connectors.fakes.feeds import FeedServer
from listener.cluster import POLL_TASK, make_celery
from listener.settings import load_settings
from listener.storage import Storage
from tests.cluster_support import (
    RedisServer,
    Worker,
    drop_queue_keys,
    queue_name,
    shared_redis_url,
    wait_for,
)
from tests.conftest import POSTGRES_URL_ENV, _postgres_schema_url, _unavailable

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
"""
        )
        return path

    def worker(self) -> Worker:
        worker = Worker(self.config(), self.tmp / f"worker{len(self.workers)}.log")
        self.workers.append(worker)
        return worker

    def poll(self) -> None:
        app = make_celery(load_settings(self.config()))
        try:
            app.send_task(POLL_TASK, args=["feed"])
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
        _unavailable(f"set {POSTGRES_URL_ENV} to run the cluster tests")
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
                Storage(url).close()


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
