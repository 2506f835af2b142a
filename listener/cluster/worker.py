"""``listener worker``: a Celery worker whose processes each build the pipeline once."""

from __future__ import annotations

import os

from celery.signals import worker_process_init

from listener.cluster.locks import lock_engine, lock_key, waiting_for
from listener.cluster.tasks import init_process, make_celery, use_settings
from listener.settings import Settings


def migrate(settings: Settings) -> None:
    """Apply migrations once even when several processes start together."""
    from listener.app import open_storage

    engine = lock_engine(settings.storage.url)
    namespace = settings.cluster.queue if settings.cluster else "listener"
    try:
        with waiting_for(engine, lock_key(namespace, "migrate", "schema")):
            open_storage(settings).close()
    finally:
        engine.dispose()


def worker_argv(settings: Settings, concurrency: int | None, loglevel: str) -> list[str]:
    """The ``celery worker`` arguments: this install's queue, a unique node name, no chatter."""
    assert settings.cluster is not None
    processes = concurrency or os.cpu_count() or 1
    return [
        "worker",
        f"--concurrency={processes}",
        f"--loglevel={loglevel}",
        f"--queues={settings.cluster.queue}",
        f"--hostname=listener-{os.getpid()}@%h",
        "--pool=prefork",
        # Listener's tasks need no worker-to-worker traffic; these only slow start-up.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


def run_worker(settings: Settings, concurrency: int | None, loglevel: str = "INFO") -> None:
    """Migrate, then run the worker in the foreground until it is told to stop."""
    migrate(settings)
    use_settings(settings)
    worker_process_init.connect(init_process, weak=False)
    app = make_celery(settings)
    app.worker_main(worker_argv(settings, concurrency, loglevel))
