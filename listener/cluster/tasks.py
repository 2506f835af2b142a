"""The Celery app and its tasks: ``poll_source(name)``, ``detect()`` and ``deliver()``.

Tasks are acknowledged late and rejected (so redelivered) when their worker process dies; they
are idempotent because every write is an upsert and the cursor is saved in the same
transaction as the mentions it covers. A source is polled by one worker at a time: the task
holds a PostgreSQL advisory lock on the source while it runs, and skips when another holds it.
Each worker process builds its pipeline once, so spaCy and VADER load once per process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from celery import Celery
from sqlalchemy.engine import Engine

from listener.cluster.locks import holding, lock_engine, lock_key
from listener.pipeline import Pipeline
from listener.settings import ClusterSettings, Settings
from listener.storage import Storage, StorageError

log = logging.getLogger("listener.cluster")

POLL_TASK = "listener.poll_source"
DETECT_TASK = "listener.detect"
DELIVER_TASK = "listener.deliver"
BUSY = "busy"  # another worker holds the source's lock
STORAGE_RETRIES = 5


@dataclass
class WorkerContext:
    """What one worker process keeps between tasks."""

    settings: Settings
    pipeline: Pipeline
    locks: Engine


_settings: Settings | None = None  # set before the worker forks its processes
_context: WorkerContext | None = None


def celery_config(cluster: ClusterSettings) -> dict[str, Any]:
    """Celery settings: late acks, one task prefetched, redelivery after twice the time limit."""
    timeout = cluster.task_timeout.total_seconds()
    return {
        "task_default_queue": cluster.queue,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": timeout,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "broker_connection_retry_on_startup": True,
        # A poll in flight when the broker drops finishes and stores; cancelling it gains nothing.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "worker_hijack_root_logger": False,
        "broker_transport_options": {
            # Redis only (AMQP requeues as soon as the dead worker's connection drops).
            "visibility_timeout": 2 * timeout,
            "unacked_restore_interval": min(10.0, timeout),
            "unacked_restore_throttle": 1,
            "global_keyprefix": f"{cluster.queue}:",
        },
    }


def make_celery(settings: Settings) -> Celery:
    """The Celery app of a cluster-mode ``settings``, with the tasks registered."""
    if settings.cluster is None:
        raise ValueError("make_celery needs settings with a [cluster] section")
    app = Celery("listener", broker=settings.cluster.broker_url, set_as_current=False)
    app.conf.update(celery_config(settings.cluster))
    options: dict[str, Any] = {"acks_late": True, "reject_on_worker_lost": True}
    retry: dict[str, Any] = {
        "autoretry_for": (StorageError,),
        "retry_backoff": 2,
        "max_retries": STORAGE_RETRIES,
    }
    app.task(name=POLL_TASK, **options, **retry)(poll_source)
    app.task(name=DETECT_TASK, **options, **retry)(detect)
    app.task(name=DELIVER_TASK, **options, **retry)(deliver)
    return app


def use_settings(settings: Settings) -> None:
    """Remember the settings for the worker processes (call before they start)."""
    global _settings, _context
    _settings, _context = settings, None


def init_process(**_: object) -> None:
    """``worker_process_init``: build the pipeline now, not on the first task."""
    context()


def context() -> WorkerContext:
    """This process's pipeline and lock engine, built on first use."""
    global _context
    if _context is None:
        if _settings is None:
            raise RuntimeError("use_settings() was not called in this worker")
        _context = _build(_settings)
    return _context


def _build(settings: Settings) -> WorkerContext:
    from listener.app import build_pipeline  # spaCy loads here

    pipeline = build_pipeline(settings, Storage(settings.storage.url))
    return WorkerContext(settings, pipeline, lock_engine(settings.storage.url))


def _namespace(ctx: WorkerContext) -> str:
    return ctx.settings.cluster.queue if ctx.settings.cluster else "listener"


def poll_source(name: str) -> str:
    """Poll one source unless another worker is polling it; return the outcome's status."""
    ctx = context()
    if name not in ctx.pipeline.connectors:
        log.warning("source %s is not in this worker's config; skipped", name)
        return "unknown"
    with holding(ctx.locks, lock_key(_namespace(ctx), "source", name)) as lock:
        if lock is None:
            log.info("%s: another worker is polling it; skipped", name)
            return BUSY
        outcome = ctx.pipeline.poll_source(name, datetime.now(UTC))
        if not lock.held():  # upserts keep the result exact; say so for the operator
            log.warning("%s: lock session dropped during the poll", name)
    log.info("%s: %s, %d fetched, %d new", name, outcome.status, outcome.fetched, outcome.new)
    return outcome.status


def detect() -> int:
    """One detection pass (one at a time across the cluster); return how many events."""
    ctx = context()
    with holding(ctx.locks, lock_key(_namespace(ctx), "detect", "all")) as lock:
        if lock is None:
            return 0
        return len(ctx.pipeline.detect(datetime.now(UTC)))


def deliver() -> int:
    """Send the due outbox rows (one deliverer at a time across the cluster); return how many."""
    from listener.scheduler import deliver as deliver_due

    ctx = context()
    with holding(ctx.locks, lock_key(_namespace(ctx), "deliver", "all")) as lock:
        if lock is None:
            return 0
        return deliver_due(ctx.pipeline)
