"""The cluster-mode scheduler: exactly one leader enqueues polls, standbys wait to take over.

Leadership is a PostgreSQL advisory lock held by the scheduler's own database session. A
standby tries to take it every ``leader_retry``; when the leader dies, PostgreSQL ends its
session and frees the lock, so a standby leads within one retry. A leader that finds its own
session gone stops scheduling at once; polls enqueued twice around a hand-over are harmless
(tasks skip a source another worker holds, and writes are upserts).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from functools import partial

from celery import Celery

from listener.cluster.locks import AdvisoryLock, lock_engine, lock_key
from listener.cluster.tasks import DELIVER_TASK, DETECT_TASK, POLL_TASK, make_celery
from listener.scheduler import Job, retention_jobs, schedule, utcnow
from listener.settings import ClusterSettings, Settings
from listener.sources import plan_sources
from listener.storage import Storage, StorageError

log = logging.getLogger("listener.cluster")


def cluster_jobs(app: Celery, settings: Settings, storage: Storage) -> list[Job]:
    """Enqueue a poll per source on its interval, a detection every bucket and an outbox
    delivery every ``alerts.delivery_interval``; purge daily."""
    jobs = [
        Job(s.name, s.interval, partial(enqueue, app, POLL_TASK, s.name, s.interval))
        for s in plan_sources(settings)
    ]
    bucket = settings.detector.bucket
    jobs.append(Job("detect", bucket, partial(enqueue, app, DETECT_TASK, None, bucket), False))
    every = settings.alerts.delivery_interval
    jobs.append(Job("deliver", every, partial(enqueue, app, DELIVER_TASK, None, every), False))
    return jobs + retention_jobs(settings, storage, utcnow)


def enqueue(app: Celery, task: str, source: str | None, every: timedelta) -> None:
    """Send one task; it expires when the next one is due, so a backlog never piles up."""
    args = [source] if source is not None else []
    app.send_task(task, args=args, expires=every.total_seconds())


def serve_cluster(settings: Settings, stop: threading.Event) -> None:
    """Stand by or lead until ``stop`` is set."""
    cluster = _cluster(settings)
    app = make_celery(settings)
    engine = lock_engine(settings.storage.url)
    storage = Storage(settings.storage.url)
    key = lock_key(cluster.queue, "leader", "scheduler")
    retry = cluster.leader_retry.total_seconds()
    try:
        while not stop.is_set():
            lock = AdvisoryLock(engine, key)
            if _try_lead(lock):
                _lead(app, settings, storage, lock, stop)
            else:
                log.info("standby: another scheduler leads; trying again in %gs", retry)
                stop.wait(retry)
    finally:
        storage.close()
        engine.dispose()
        app.close()


def _cluster(settings: Settings) -> ClusterSettings:
    if settings.cluster is None:
        raise ValueError("serve_cluster needs settings with a [cluster] section")
    return settings.cluster


def _try_lead(lock: AdvisoryLock) -> bool:
    try:
        return lock.try_acquire()
    except StorageError as e:
        log.error("cannot reach the database to elect a leader: %s", e)
        return False


def _lead(
    app: Celery, settings: Settings, storage: Storage, lock: AdvisoryLock, stop: threading.Event
) -> None:
    retry = _cluster(settings).leader_retry.total_seconds()
    scheduler = schedule(cluster_jobs(app, settings, storage))
    scheduler.start()
    log.info("leader: scheduling %d jobs", len(scheduler.get_jobs()))
    try:
        while not stop.wait(retry):
            if not lock.held():
                log.warning("lost leadership (database session ended); standing by")
                return
    finally:
        scheduler.shutdown(wait=False)
        lock.release()
