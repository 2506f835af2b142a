"""What every ``listener`` command shares: options, config and database loading, errors, output.

The command modules (``cli``, ``cli_alerts``, ``cli_web``, ``cli_cluster``) build on it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from listener.errors import ConfigError, ListenerError
from listener.settings import (
    DEFAULT_CONFIG,
    Settings,
    default_settings,
    display_url,
    load_settings,
)
from listener.times import parse_since

if TYPE_CHECKING:
    from listener.storage import Storage

EXIT_CONFIG = 2
EXIT_SOURCES_FAILED = 3

ConfigOption = Annotated[
    Path,
    typer.Option(
        "--config",
        envvar="LISTENER_CONFIG",
        help="The TOML config file (env LISTENER_CONFIG).",
        show_default=True,
    ),
]
FormatOption = Annotated[
    str, typer.Option("--format", help="table, json, jsonl or csv.", show_default=True)
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")]


def setup_logging(verbose: bool, default: int = logging.WARNING) -> None:
    level = logging.DEBUG if verbose else default
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "urllib3", "alembic", "prawcore"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def fail(message: str, code: int = EXIT_CONFIG) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def load_config(config: Path, *, defaults_if_missing: bool = False) -> Settings:
    """Load the config; with ``defaults_if_missing``, a missing *default* file means defaults."""
    if defaults_if_missing and not config.exists() and is_default_config(config):
        settings = default_settings(Path.cwd())
        typer.echo(
            f"note: no {config}; using defaults ({display_url(settings.storage.url)})", err=True
        )
        return settings
    try:
        return load_settings(config)
    except ConfigError as e:
        raise fail(str(e)) from None


def is_default_config(config: Path) -> bool:
    return config == Path(DEFAULT_CONFIG) and "LISTENER_CONFIG" not in os.environ


def open_db(settings: Settings) -> Storage:
    """Open and migrate the database, or exit 1 saying why."""
    from listener.app import open_storage

    try:
        return open_storage(settings)
    except ListenerError as e:
        raise fail(f"database: {e}", 1) from None


def check_format(fmt: str, allowed: tuple[str, ...] = ("table", "json", "jsonl", "csv")) -> Any:
    if fmt not in allowed:
        raise fail(f"--format must be one of {', '.join(allowed)}")
    return fmt


def parse_moment(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time (UTC if no offset) or a duration meaning that long ago ("24h")."""
    if value is None:
        return None
    try:
        return parse_since(value, datetime.now(UTC))
    except ValueError:
        raise fail(f"{option}: {value!r} is neither an ISO 8601 time nor a duration") from None


def emit_rows(
    config: Path,
    fmt: str,
    rows: Callable[[Storage], Iterable[Mapping[str, Any]]],
    columns: Sequence[str],
    title: str,
    widths: Mapping[str, int] | None = None,
) -> None:
    """Open the database, write ``rows(storage)`` in ``fmt`` on stdout, close."""
    from listener.output import write

    checked = check_format(fmt)
    settings = load_config(config, defaults_if_missing=True)
    storage = open_db(settings)
    try:
        write(rows(storage), checked, sys.stdout, columns=columns, title=title, widths=widths)
    finally:
        storage.close()
