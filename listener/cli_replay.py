"""``listener replay FILE.jsonl``: a mention stream through the real pipeline in simulated time."""

from __future__ import annotations

import sys
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from listener.cli_common import (
    DEFAULT_CONFIG,
    ConfigOption,
    fail,
    is_default_config,
    load_config,
)
from listener.settings import DetectorSettings, Settings, display_url, parse_duration
from listener.times import parse_time

if TYPE_CHECKING:
    from listener.replay import ReplayResult
    from listener.replay_score import Window

REPLAY_COLUMNS = ("alert", "brand", "severity", "onset", "fired", "revolt", "delay_min")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``listener`` app."""
    app.command("replay")(replay_command)


def replay_command(
    file: Annotated[Path, typer.Argument(help="JSON Lines: created_at, text, optional fields.")],
    brand: Annotated[
        list[str] | None, typer.Option(help="Brand to watch (repeatable); default: 'brand' fields.")
    ] = None,
    keyword: Annotated[
        list[str] | None, typer.Option(help="Extra keyword for every brand (repeatable).")
    ] = None,
    bucket: Annotated[str | None, typer.Option(help="Detector bucket, e.g. 5m.")] = None,
    sensitivity: Annotated[str | None, typer.Option(help="fewer, balanced or more.")] = None,
    revolt: Annotated[
        list[str] | None,
        typer.Option(help="A scripted revolt START/END (ISO 8601), to score delays (repeatable)."),
    ] = None,
    database: Annotated[
        str | None, typer.Option(help="Database URL to write to (default: a temporary one).")
    ] = None,
    config: ConfigOption = Path(DEFAULT_CONFIG),
) -> None:
    """Replay mentions in simulated time; print alerts, detection delay and false alerts/week."""
    from listener.errors import InputFileError
    from listener.replay import brands_for, replay_settings, run_replay
    from listener.replay_jsonl import read_jsonl

    # the config only lends detector and NLP settings: its database and receivers are not used
    base = Settings() if is_default_config(config) and not config.exists() else load_config(config)
    base = base.model_copy(update={"detector": _detector(base.detector, bucket, sensitivity)})
    windows = [_window(text) for text in revolt or ()]
    with ExitStack() as stack:
        url = database or _temporary_database(stack)
        try:
            stream = read_jsonl(file)
            settings = replay_settings(base, brands_for(stream, brand or (), keyword or ()), url)
            result = run_replay(settings, stream, windows)
        except InputFileError as e:
            raise fail(str(e)) from None
        _print(result, display_url(url), bool(windows))


def _detector(
    current: DetectorSettings, bucket: str | None, sensitivity: str | None
) -> DetectorSettings:
    update: dict[str, Any] = {}
    if bucket is not None:
        try:
            update["bucket"] = parse_duration(bucket)
        except ValueError as e:
            raise fail(f"--bucket: {e}") from None
        if update["bucket"] < timedelta(minutes=1):
            raise fail("--bucket must be at least 1m")
    if sensitivity is not None:
        if sensitivity not in ("fewer", "balanced", "more"):
            raise fail("--sensitivity must be fewer, balanced or more")
        update["sensitivity"] = sensitivity
    return current.model_copy(update=update)


def _window(text: str) -> Window:
    from listener.replay_score import Window

    start, _, end = text.partition("/")
    try:
        lo, hi = _moment(start), _moment(end)
    except ValueError:
        raise fail(f"--revolt: {text!r} is not START/END in ISO 8601") from None
    if hi <= lo:
        raise fail(f"--revolt: {text!r} ends before it starts")
    return Window(lo, hi)


def _moment(text: str) -> datetime:
    return parse_time(text).astimezone(UTC)


def _temporary_database(stack: ExitStack) -> str:
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="listener-replay-"))
    return f"sqlite:///{Path(directory) / 'replay.db'}"


def _print(result: ReplayResult, database: str, scripted: bool) -> None:
    from listener.output import write

    rows = list(_rows(result))
    typer.echo(
        f"replayed {result.posts} posts ({result.stored} matched a brand and were stored) "
        f"from {result.start:%Y-%m-%d %H:%M} to {result.end:%Y-%m-%d %H:%M} UTC into {database}"
    )
    if rows:
        write(rows, "table", sys.stdout, columns=REPLAY_COLUMNS, title="Alerts")
    typer.echo(_totals(result, scripted))


def _rows(result: ReplayResult) -> Any:
    """One row per alert that fired; ``revolt``/``delay_min`` only when it caught a revolt."""
    caught = {
        (d.alert.brand, d.alert.fired): d for d in result.figures.detections if d.alert is not None
    }
    for event in result.events:
        if event.event != "firing":
            continue
        alert = event.alert
        match = caught.get((alert.brand, alert.fired_at))
        delay = match.delay_minutes if match else None
        yield {
            "alert": alert.id,
            "brand": alert.brand,
            "severity": alert.severity,
            "onset": f"{alert.started_at:%Y-%m-%d %H:%M}",
            "fired": f"{alert.fired_at:%Y-%m-%d %H:%M}",
            "revolt": f"{match.revolt.start:%Y-%m-%d %H:%M}" if match else "-",
            "delay_min": "-" if delay is None else f"{delay:.0f}",
        }


def _totals(result: ReplayResult, scripted: bool) -> str:
    f = result.figures
    weeks = f.normal / timedelta(days=7)
    fired = sum(e.event == "firing" for e in result.events)
    if not scripted:
        return f"alerts: {fired}; {fired / weeks if weeks else 0:.2f} per week (no --revolt given)"
    delays = ", ".join(f"{d:.0f}" for d in f.delays) or "-"
    return (
        f"revolts: {len(f.detections)}, detected: {len(f.detections) - f.missed}, "
        f"missed: {f.missed}; delay (min): {delays}; false alerts: {len(f.false_alerts)} "
        f"= {f.false_per_week:.2f} per week of normal traffic ({weeks * 7:.2f} days)"
    )
