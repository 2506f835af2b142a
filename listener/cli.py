"""The ``listener`` command line. Names, options and output fields here are a contract.

Commands of each domain live in their own module (``cli_alerts``, ``cli_web``, ``cli_cluster``)
and register themselves on ``app`` at the bottom of this file.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from listener import cli_alerts, cli_cluster, cli_replay, cli_web
from listener.cli_common import (
    DEFAULT_CONFIG,
    EXIT_SOURCES_FAILED,
    ConfigOption,
    FormatOption,
    VerboseOption,
    check_format,
    emit_rows,
    fail,
    is_default_config,
    load_config,
    open_db,
    parse_moment,
    setup_logging,
)
from listener.errors import InputFileError
from listener.settings import Settings, display_url

app = typer.Typer(
    help="Listener: social listening and brand-outpost monitoring, self-hosted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def main() -> None:
    """Console-script entry point."""
    app()


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
    settings = load_config(config)
    open_db(settings).close()
    typer.echo(f"database ready: {display_url(settings.storage.url)}")


@app.command("check-config")
def check_config(config: ConfigOption = Path(DEFAULT_CONFIG)) -> None:
    """Validate the config and print a summary; exit 2 on error."""
    from listener.summary import config_summary

    settings = load_config(config)
    typer.echo(f"{config}: OK")
    typer.echo(config_summary(settings))


@app.command()
def run(config: ConfigOption = Path(DEFAULT_CONFIG), verbose: VerboseOption = False) -> None:
    """Run the service: poll every source on its interval, detect, alert. Ctrl-C stops it.

    With a [cluster] section it is the scheduler: it enqueues polls for `listener worker`s.
    """
    from listener.app import build_pipeline, close_pipeline
    from listener.scheduler import serve_forever

    setup_logging(verbose, logging.INFO)
    settings = load_config(config)
    if settings.cluster is not None:  # this process only schedules; workers poll
        cli_cluster.run_scheduler(settings)
        return
    pipeline = build_pipeline(settings, open_db(settings))
    if settings.web.enabled:
        cli_web.serve_in_thread(settings, pipeline.storage)
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
        raise fail("poll needs --once (use `listener run` for the service)")
    setup_logging(verbose)
    settings = load_config(config)
    pipeline = build_pipeline(settings, open_db(settings))
    if source is not None and source not in pipeline.connectors:
        raise fail(f"no source named {source!r} (have: {', '.join(pipeline.connectors)})")
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
        raise fail("--sentiment must be positive, neutral or negative")
    f = MentionFilter(
        brand=brand,
        source=source,
        platform=platform,
        outpost=outpost,
        sentiment=sentiment,  # type: ignore[arg-type]
        since=parse_moment(since, "--since"),
        until=parse_moment(until, "--until"),
        query=query,
        limit=limit or None,
    )
    as_row = mention_table_row if fmt == "table" else mention_json
    columns = MENTION_TABLE if fmt == "table" else MENTION_COLUMNS
    emit_rows(
        config,
        fmt,
        lambda st: (as_row(r) for r in st.iter_mentions(f)),
        columns,
        "Mentions",
        MENTION_WIDTHS,
    )


@app.command()
def sources(config: ConfigOption = Path(DEFAULT_CONFIG), fmt: FormatOption = "table") -> None:
    """Source health: last success, last error, rate-limited until, items fetched."""
    from listener.summary import SOURCE_COLUMNS, source_rows

    settings = load_config(config, defaults_if_missing=True)
    emit_rows(config, fmt, lambda st: source_rows(settings, st), SOURCE_COLUMNS, "Sources", {})


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(help="CSV or JSONL (.jsonl/.ndjson) file.")],
    text_column: Annotated[str, typer.Option("--text-column", help="The text field.")],
    config: ConfigOption = Path(DEFAULT_CONFIG),
    fmt: Annotated[str, typer.Option("--format", help="jsonl.")] = "jsonl",
) -> None:
    """Sentiment and topics for each row: one JSON object per input row, in order."""
    from listener.batch import analyze_file

    check_format(fmt, ("jsonl",))
    settings = (
        Settings() if not config.exists() and is_default_config(config) else load_config(config)
    )
    try:
        analyze_file(file, text_column, settings, sys.stdout)
    except InputFileError as e:
        raise fail(str(e)) from None


@app.command()
def detect(
    file: Annotated[Path, typer.Argument(help="A time series CSV (NAB's timestamp,value).")],
    timestamp_column: Annotated[str, typer.Option("--timestamp-column")] = "timestamp",
    value_column: Annotated[str, typer.Option("--value-column")] = "value",
    sensitivity: Annotated[str, typer.Option(help="fewer, balanced or more.")] = "balanced",
) -> None:
    """Score a series causally: CSV timestamp,value,anomaly_score out (score in [0,1])."""
    from listener.batch import detect_file

    try:
        detect_file(file, timestamp_column, value_column, sensitivity, sys.stdout)
    except InputFileError as e:
        raise fail(str(e)) from None


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

    setup_logging(verbose)
    settings = load_config(config, defaults_if_missing=True)
    if duration is not None and duration < 5:
        raise fail("--duration must be at least 5 seconds")
    raise typer.Exit(run_demo(settings, duration))


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = Path(DEFAULT_CONFIG)) -> None:
    """Apply database migrations (also done at every start)."""
    settings = load_config(config)
    storage = open_db(settings)
    url = display_url(settings.storage.url)
    typer.echo(f"database at revision {storage.current_revision()}: {url}")
    storage.close()


for _module in (cli_alerts, cli_web, cli_cluster, cli_replay):
    _module.register(app)
