"""Cluster commands (issue 8): ``listener worker``; ``listener run`` calls ``run_scheduler``."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Annotated

import typer

from listener.cli_common import (
    ConfigOption,
    VerboseOption,
    fail,
    load_config,
    setup_logging,
)
from listener.errors import ListenerError
from listener.settings import DEFAULT_CONFIG, Settings

NO_CLUSTER = "this config has no [cluster] section (see README, 'Running a cluster')"


def worker(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", "-c", min=1, help="Worker processes here (default: one per CPU)."
        ),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Run a cluster worker: poll and detect as the scheduler asks. Ctrl-C stops it."""
    setup_logging(verbose, logging.INFO)
    settings = load_config(config)
    if settings.cluster is None:
        raise fail(NO_CLUSTER)
    from listener.cluster import run_worker

    try:
        run_worker(settings, concurrency, "DEBUG" if verbose else "INFO")
    except ListenerError as e:
        raise fail(str(e), 1) from None


def run_scheduler(settings: Settings) -> None:
    """``listener run`` in cluster mode: lead or stand by until SIGINT/SIGTERM."""
    from listener.cluster import migrate, serve_cluster
    from listener.scheduler import stop_on_signals

    try:
        migrate(settings)
    except ListenerError as e:
        raise fail(f"database: {e}", 1) from None
    stop = threading.Event()
    stop_on_signals(stop)
    serve_cluster(settings, stop)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``listener`` app."""
    app.command()(worker)
