"""Cluster mode: Celery workers poll, one elected scheduler enqueues (``[cluster]``).

Imports Celery: load it only in cluster commands, never from ``listener.cli`` at import.
"""

from __future__ import annotations

from listener.cluster.leader import serve_cluster
from listener.cluster.tasks import DELIVER_TASK, DETECT_TASK, POLL_TASK, make_celery
from listener.cluster.worker import migrate, run_worker

__all__ = [
    "DELIVER_TASK",
    "DETECT_TASK",
    "POLL_TASK",
    "make_celery",
    "migrate",
    "run_worker",
    "serve_cluster",
]
