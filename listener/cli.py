"""The ``listener`` command line. Names, options and output fields here are a contract."""

from __future__ import annotations

import logging
import os
import sys
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
    parse_duration,
)

if TYPE_CHECKING:
    from listener.storage import Storage

app = typer.Typer(
    help="Listener: social listening and brand-outpost monitoring, self-hosted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

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


def main() -> None:
    """Console-script entry point."""
    app()


def _logging(verbose: bool, default: int = logging.WARNING) -> None:
    level = logging.DEBUG if verbose else default
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "httpcore", "apscheduler", "urllib3", "alembic", "prawcore"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _fail(message: str, code: int = EXIT_CONFIG) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _settings(config: Path, *, defaults_if_missing: bool = False) -> Settings:
    """Load the config; with ``defaults_if_missing``, a missing *default* file means defaults."""
    if defaults_if_missing and not config.exists() and _is_default(config):
        settings = default_settings(Path.cwd())
        typer.echo(
            f"note: no {config}; using defaults ({display_url(settings.storage.url)})", err=True
        )
        return settings
    try:
        return load_settings(config)
    except ConfigError as e:
        raise _fail(str(e)) from None


def _is_default(config: Path) -> bool:
    return config == Path(DEFAULT_CONFIG) and "LISTENER_CONFIG" not in os.environ


def _storage(settings: Settings) -> Storage:
    from listener.app import open_storage

    try:
        return open_storage(settings)
    except ListenerError as e:
        raise _fail(f"database: {e}", 1) from None


def _check_format(fmt: str, allowed: tuple[str, ...] = ("table", "json", "jsonl", "csv")) -> Any:
    if fmt not in allowed:
        raise _fail(f"--format must be one of {', '.join(allowed)}")
    return fmt


def _moment(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time (UTC if no offset) or a duration meaning that long ago ("24h")."""
    if value is None:
        return None
    try:
        return datetime.now(UTC) - parse_duration(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"{option}: {value!r} is neither an ISO 8601 time nor a duration") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command()
def init(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    force: Annotated[bool, typer.Option(help="Overwrite an existing config.")] = False,
) -> None:
    """Write an example config and create the database."""
    from listener.examples import example_config

    if config.exists() and not force:
        typer.echo(f"{config} exists; keeping it (use --force to overwrite)")
    else:
        config.write_text(example_config(), encoding="utf-8")
        typer.echo(f"wrote {config}")
    settings = _settings(config)
    _storage(settings).close()
    typer.echo(f"database ready: {display_url(settings.storage.url)}")


@app.command("check-config")
def check_config(config: ConfigOption = Path(DEFAULT_CONFIG)) -> None:
    """Validate the config and print a summary; exit 2 on error."""
    from listener.summary import config_summary

    settings = _settings(config)
    typer.echo(f"{config}: OK")
    typer.echo(config_summary(settings))


@app.command()
def run(config: ConfigOption = Path(DEFAULT_CONFIG), verbose: VerboseOption = False) -> None:
    """Run the service: poll every source on its interval, detect, alert. Ctrl-C stops it."""
    from listener.app import build_pipeline, close_pipeline
    from listener.scheduler import serve_forever

    _logging(verbose, logging.INFO)
    settings = _settings(config)
    pipeline = build_pipeline(settings, _storage(settings))
    try:
        serve_forever(pipeline)
    finally:
        close_pipeline(pipeline)
        pipeline.storage.close()


@app.command()
def poll(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    once: Annotated[bool, typer.Option("--once", help="One cycle, then exit.")] = False,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    verbose: VerboseOption = False,
) -> None:
    """Poll every source (or one) once. Exit 0 when all polled, 3 when some failed."""
    from listener.app import build_pipeline, close_pipeline
    from listener.summary import print_cycle

    if not once:
        raise _fail("poll needs --once (use `listener run` for the service)")
    _logging(verbose)
    settings = _settings(config)
    pipeline = build_pipeline(settings, _storage(settings))
    if source is not None and source not in pipeline.connectors:
        raise _fail(f"no source named {source!r} (have: {', '.join(pipeline.connectors)})")
    try:
        report = pipeline.run_once(datetime.now(UTC), only=source)
    finally:
        close_pipeline(pipeline)
        pipeline.storage.close()
    print_cycle(report)
    if report.failed:
        raise typer.Exit(EXIT_SOURCES_FAILED)


@app.command()
def mentions(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    brand: Annotated[str | None, typer.Option(help="Only this brand.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    platform: Annotated[str | None, typer.Option(help="rss, twitter or reddit.")] = None,
    outpost: Annotated[str | None, typer.Option(help='An outpost, e.g. "reddit:r/acme".')] = None,
    sentiment: Annotated[str | None, typer.Option(help="positive, neutral or negative.")] = None,
    since: Annotated[str | None, typer.Option(help="ISO time or a duration ago (24h).")] = None,
    until: Annotated[str | None, typer.Option(help="ISO time or a duration ago.")] = None,
    query: Annotated[str | None, typer.Option(help="Text contains this (any case).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows; 0 = all.")] = 100,
    fmt: FormatOption = "table",
) -> None:
    """List stored mentions, newest first: one row per mention and brand."""
    from listener.records import MentionFilter
    from listener.summary import (
        MENTION_COLUMNS,
        MENTION_TABLE,
        MENTION_WIDTHS,
        mention_json,
        mention_table_row,
    )

    if sentiment not in (None, "positive", "neutral", "negative"):
        raise _fail("--sentiment must be positive, neutral or negative")
    f = MentionFilter(
        brand=brand,
        source=source,
        platform=platform,
        outpost=outpost,
        sentiment=sentiment,  # type: ignore[arg-type]
        since=_moment(since, "--since"),
        until=_moment(until, "--until"),
        query=query,
        limit=limit or None,
    )
    as_row = mention_table_row if fmt == "table" else mention_json
    columns = MENTION_TABLE if fmt == "table" else MENTION_COLUMNS
    _emit_rows(
        config,
        fmt,
        lambda st: (as_row(r) for r in st.iter_mentions(f)),
        columns,
        "Mentions",
        MENTION_WIDTHS,
    )


@app.command("alerts")
def alerts_command(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    state: Annotated[str, typer.Option(help="firing, resolved or all.")] = "all",
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    fmt: FormatOption = "table",
) -> None:
    """List alerts, newest first."""
    from listener.alerting import alert_json
    from listener.summary import ALERT_COLUMNS, ALERT_WIDTHS, alert_row

    if state not in ("firing", "resolved", "all"):
        raise _fail("--state must be firing, resolved or all")

    def rows(st: Storage) -> Any:
        alerts = st.list_alerts(state, limit=limit)  # type: ignore[arg-type]
        return (alert_row(a) if fmt == "table" else alert_json(a) for a in alerts)

    _emit_rows(config, fmt, rows, ALERT_COLUMNS, "Alerts", ALERT_WIDTHS)


def _emit_rows(config: Path, fmt: str, rows: Any, columns: Any, title: str, widths: Any) -> None:
    from listener.output import write

    fmt = _check_format(fmt)
    settings = _settings(config, defaults_if_missing=True)
    storage = _storage(settings)
    try:
        write(rows(storage), fmt, sys.stdout, columns=columns, title=title, widths=widths)  # type: ignore[arg-type]
    finally:
        storage.close()


@app.command()
def sources(config: ConfigOption = Path(DEFAULT_CONFIG), fmt: FormatOption = "table") -> None:
    """Source health: last success, last error, rate-limited until, items fetched."""
    from listener.summary import SOURCE_COLUMNS, source_rows

    settings = _settings(config, defaults_if_missing=True)
    _emit_rows(config, fmt, lambda st: source_rows(settings, st), SOURCE_COLUMNS, "Sources", {})


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(help="CSV or JSONL (.jsonl/.ndjson) file.")],
    text_column: Annotated[str, typer.Option("--text-column", help="The text field.")],
    config: ConfigOption = Path(DEFAULT_CONFIG),
    fmt: Annotated[str, typer.Option("--format", help="jsonl.")] = "jsonl",
) -> None:
    """Sentiment and topics for each row: one JSON object per input row, in order."""
    from listener.batch import BatchError, analyze_file

    _check_format(fmt, ("jsonl",))
    settings = Settings() if not config.exists() and _is_default(config) else _settings(config)
    try:
        analyze_file(file, text_column, settings, sys.stdout)
    except BatchError as e:
        raise _fail(str(e)) from None


@app.command()
def detect(
    file: Annotated[Path, typer.Argument(help="A time series CSV (NAB's timestamp,value).")],
    timestamp_column: Annotated[str, typer.Option("--timestamp-column")] = "timestamp",
    value_column: Annotated[str, typer.Option("--value-column")] = "value",
    sensitivity: Annotated[str, typer.Option(help="fewer, balanced or more.")] = "balanced",
) -> None:
    """Score a series causally: CSV timestamp,value,anomaly_score out (score in [0,1])."""
    from listener.batch import BatchError, detect_file

    try:
        detect_file(file, timestamp_column, value_column, sensitivity, sys.stdout)
    except BatchError as e:
        raise _fail(str(e)) from None


@app.command()
def demo(
    config: ConfigOption = Path(DEFAULT_CONFIG),
    duration: Annotated[
        float | None, typer.Option(help="Exit after this many seconds (default: run until Ctrl-C).")
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Offline sandbox: fake sources, normal chatter, then a scripted flash revolt."""
    from listener.demo import run_demo

    _logging(verbose)
    settings = _settings(config, defaults_if_missing=True)
    if duration is not None and duration < 5:
        raise _fail("--duration must be at least 5 seconds")
    raise typer.Exit(run_demo(settings, duration))


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = Path(DEFAULT_CONFIG)) -> None:
    """Apply database migrations (also done at every start)."""
    settings = _settings(config)
    storage = _storage(settings)
    url = display_url(settings.storage.url)
    typer.echo(f"database at revision {storage.current_revision()}: {url}")
    storage.close()
