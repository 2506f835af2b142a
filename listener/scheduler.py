"""``listener run``: APScheduler runs each source on its interval, detection every bucket.

A thin shell around ``Pipeline.poll_source``, ``detect`` and ``deliver`` (the outbox): jitter
spreads the polls, ``max_instances=1`` stops a slow poll from overlapping itself, ``coalesce``
folds missed runs.
In cluster mode the same scheduler runs jobs that enqueue Celery tasks instead
(``listener.cluster.leader``). With ``[storage] retention_days``, a daily job purges old mentions.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from listener.pipeline import Pipeline
from listener.settings import Settings
from listener.storage import Storage

log = logging.getLogger("listener.scheduler")

DEFAULT_INTERVAL = timedelta(minutes=10)  # implicit sources (RSS outposts)
RETENTION_EVERY = timedelta(days=1)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Job:
    """Something to run every ``every``, once at start too."""

    id: str
    every: timedelta
    run: Callable[[], object]
    jitter: bool = True


def schedule(jobs: Sequence[Job]) -> BackgroundScheduler:
    """A scheduler (not started) running ``jobs``."""
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        timezone=UTC,
    )
    for job in jobs:
        seconds = job.every.total_seconds()
        scheduler.add_job(
            job.run,
            "interval",
            seconds=seconds,
            jitter=int(min(seconds * 0.1, 30)) if job.jitter else None,
            id=job.id,
            name=job.id,
            next_run_time=utcnow(),  # run once at start, then on the interval
        )
    return scheduler


def build_scheduler(
    pipeline: Pipeline, clock: Callable[[], datetime] = utcnow
) -> BackgroundScheduler:
    """The one-process scheduler: polls, detection and retention run in this process."""
    intervals = {s.name: s.interval for s in pipeline.settings.sources}
    jobs = [
        Job(name, intervals.get(name, DEFAULT_INTERVAL), partial(_poll, pipeline, name, clock))
        for name in pipeline.connectors
    ]
    bucket = pipeline.settings.detector.bucket
    jobs.append(Job("detect", bucket, lambda: pipeline.detect(clock()), jitter=False))
    every = pipeline.settings.alerts.delivery_interval
    jobs.append(Job("deliver", every, partial(deliver, pipeline, clock), jitter=False))
    jobs.extend(retention_jobs(pipeline.settings, pipeline.storage, clock))
    return schedule(jobs)


def retention_jobs(
    settings: Settings, storage: Storage, clock: Callable[[], datetime]
) -> list[Job]:
    """The daily purge when ``[storage] retention_days`` is set, else nothing."""
    days = settings.storage.retention_days
    if days is None:
        return []
    keep = timedelta(days=days)
    return [Job("retention", RETENTION_EVERY, partial(purge, storage, keep, clock), jitter=False)]


def purge(storage: Storage, keep: timedelta, clock: Callable[[], datetime] = utcnow) -> int:
    """Delete mentions created more than ``keep`` ago; return how many."""
    deleted = storage.delete_mentions_before(clock() - keep)
    log.info("retention: deleted %d mentions older than %s", deleted, keep)
    return deleted


def deliver(pipeline: Pipeline, clock: Callable[[], datetime] = utcnow) -> int:
    """Send the due outbox rows; return how many were sent."""
    report = pipeline.deliver(clock())
    if report.sent or report.failed:
        log.info("notifications: %d sent, %d failed", report.sent, report.failed)
    return report.sent


def _poll(pipeline: Pipeline, name: str, clock: Callable[[], datetime]) -> None:
    outcome = pipeline.poll_source(name, clock())
    log.info("%s: %s, %d fetched, %d new", name, outcome.status, outcome.fetched, outcome.new)


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on SIGINT/SIGTERM (only possible from the main thread)."""

    def _handle(signum: int, frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _handle)
        signal.signal(signal.SIGTERM, _handle)


def serve_forever(pipeline: Pipeline, stop: threading.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or ``stop`` is set), then finish running jobs and return."""
    stop = stop or threading.Event()
    stop_on_signals(stop)
    scheduler = build_scheduler(pipeline)
    scheduler.start()
    log.info("listener running: %d sources; Ctrl-C to stop", len(pipeline.connectors))
    stop.wait()
    scheduler.shutdown(wait=True)
    log.info("stopped cleanly")
