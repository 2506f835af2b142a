"""``listener run``: APScheduler runs each source on its interval, detection every bucket.

A thin shell around ``Pipeline.poll_source`` and ``Pipeline.detect``: jitter spreads the polls,
``max_instances=1`` stops a slow poll from overlapping itself, ``coalesce`` folds missed runs.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from listener.pipeline import Pipeline

log = logging.getLogger("listener.scheduler")


def utcnow() -> datetime:
    return datetime.now(UTC)


def build_scheduler(
    pipeline: Pipeline, clock: Callable[[], datetime] = utcnow
) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        timezone=UTC,
    )
    intervals = {s.name: s.interval for s in pipeline.settings.sources}
    for name in pipeline.connectors:  # implicit sources (RSS outposts) poll every 10 minutes
        interval = intervals.get(name, timedelta(minutes=10))
        _every(scheduler, interval, partial(_poll, pipeline, name, clock), name)
    bucket = pipeline.settings.detector.bucket
    _every(scheduler, bucket, lambda: pipeline.detect(clock()), "detect", jitter=False)
    delivery = pipeline.settings.alerts.delivery_interval
    _every(scheduler, delivery, lambda: _deliver(pipeline, clock), "deliver", jitter=False)
    return scheduler


def _every(
    scheduler: BackgroundScheduler,
    interval: timedelta,
    job: Callable[[], object],
    name: str,
    jitter: bool = True,
) -> None:
    seconds = interval.total_seconds()
    scheduler.add_job(
        job,
        "interval",
        seconds=seconds,
        jitter=int(min(seconds * 0.1, 30)) if jitter else None,
        id=name,
        name=name,
        next_run_time=utcnow(),  # poll once at start, then on the interval
    )


def _poll(pipeline: Pipeline, name: str, clock: Callable[[], datetime]) -> None:
    outcome = pipeline.poll_source(name, clock())
    log.info("%s: %s, %d fetched, %d new", name, outcome.status, outcome.fetched, outcome.new)


def _deliver(pipeline: Pipeline, clock: Callable[[], datetime]) -> None:
    report = pipeline.deliver(clock())
    if report.sent or report.failed:
        log.info("notifications: %d sent, %d failed", report.sent, report.failed)


def serve_forever(pipeline: Pipeline, stop: threading.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or ``stop`` is set), then finish running jobs and return."""
    stop = stop or threading.Event()

    def _handle(signum: int, frame: FrameType | None) -> None:
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _handle)
        signal.signal(signal.SIGTERM, _handle)
    scheduler = build_scheduler(pipeline)
    scheduler.start()
    log.info("listener running: %d sources; Ctrl-C to stop", len(pipeline.connectors))
    stop.wait()
    scheduler.shutdown(wait=True)
    log.info("stopped cleanly")
