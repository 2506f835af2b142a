"""``listener demo``: the offline sandbox.

Local fake sources on 127.0.0.1 publish a scripted day of brand chatter on a simulated clock;
the real pipeline (connectors, matching, NLP, storage, detector, alerts) polls them in
accelerated time and the terminal shows mentions flowing, the alert firing and where to engage.
Results land in the configured database, so ``listener mentions`` and ``listener alerts`` show them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from listener.alerting import AlertEvent, bucket_floor
from listener.app import build_pipeline, close_pipeline, open_storage
from listener.output import safe_cell
from listener.pipeline import CycleReport, Pipeline
from listener.records import MentionFilter
from listener.replay import alert_timings, sim_moments, step_through
from listener.replay_score import ReplayFigures, Window, score_alerts
from listener.sandbox import DEMO_BRAND, Sandbox, start_sandbox
from listener.scenario import Script, build_script
from listener.settings import Settings, display_url

LIVE_STEP_SECONDS = 5.0


class SimClock:
    """A settable clock shared by the fake servers and the pipeline."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


@dataclass
class _Tally:
    mentions: int = 0
    negative: int = 0
    alerts: int = 0
    figures: ReplayFigures | None = None  # how the scripted part went


def run_demo(
    settings: Settings,
    duration: float | None,
    console: Console | None = None,
    *,
    end: datetime | None = None,
    hours: float = 10.0,
) -> int:
    """Play ``hours`` of script ending at ``end`` (into ``duration`` seconds, or about a
    minute), then stay live until ``duration`` ends or Ctrl-C. Returns the exit code."""
    console = console or Console(highlight=False)
    end = end or bucket_floor(datetime.now(UTC), settings.detector.bucket)
    script = build_script(end, hours=hours, channels=Sandbox.CHANNELS)
    clock = SimClock(script.start)
    with ExitStack() as stack:
        sandbox = stack.enter_context(start_sandbox(script, clock))
        demo_settings = sandbox.settings(settings)
        storage = open_storage(demo_settings)
        stack.callback(storage.close)
        pipeline = build_pipeline(
            demo_settings, storage, connectors=sandbox.connectors(demo_settings)
        )
        stack.callback(close_pipeline, pipeline)
        _intro(console, script, sandbox, demo_settings)
        try:
            tally = _play(console, pipeline, script, clock, duration)
            _live(console, pipeline, sandbox, clock, duration, tally)
        except KeyboardInterrupt:
            console.print("stopped")
        _outro(console, pipeline, tally)
    return 0


def _intro(console: Console, script: Script, sandbox: Sandbox, settings: Settings) -> None:
    console.print("[bold]Listener demo[/bold]: offline sandbox, no network, no credentials")
    for line in sandbox.describe():
        console.print("  " + line, markup=False)
    console.print(
        f"  replaying {script.end - script.start} of chatter about Acme ending now "
        f"({len(script.posts)} posts); a flash revolt is scripted at "
        f"{script.revolt_start:%H:%M} UTC",
        markup=False,
    )
    console.print(f"  database: {display_url(settings.storage.url)}", markup=False)


def _play(
    console: Console, pipeline: Pipeline, script: Script, clock: SimClock, duration: float | None
) -> _Tally:
    moments = sim_moments(script.start, script.end, pipeline.settings.detector.bucket)
    pause = ((duration * 0.8) if duration else 60.0) / len(moments)
    tally = _Tally()
    started, done = time.monotonic(), count(1)
    with _progress(console) as progress:
        task = progress.add_task("simulated time", total=len(moments))

        def after(report: CycleReport, moment: datetime) -> None:
            _show(progress.console, report, moment, tally)
            progress.update(task, advance=1, description=f"simulated {moment:%H:%M} UTC")
            _sleep_until(started + pause * next(done))

        events = step_through(pipeline, moments, before=clock.set, after=after)
    revolt = Window(script.revolt_start, script.revolt_end, DEMO_BRAND, "scripted revolt")
    tally.figures = score_alerts(alert_timings(events), [revolt], script.start, script.end)
    return tally


@contextmanager
def _progress(console: Console) -> Iterator[Progress]:
    columns = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        yield progress


def _sleep_until(deadline: float) -> None:
    delay = deadline - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _show(console: Console, report: CycleReport, moment: datetime, tally: _Tally) -> None:
    kept = sum(o.new for o in report.outcomes)
    tally.mentions += kept
    for o in report.outcomes:
        for message in o.messages:
            console.print(Text(f"  {o.source}: {message}", style="yellow"))
    if moment.minute == 0 or report.events:
        console.print(f"[dim]{moment:%H:%M}[/dim]  {tally.mentions} mentions stored so far")
    for event in report.events:
        tally.alerts += event.event == "firing"
        _show_event(console, event)


def _show_event(console: Console, event: AlertEvent) -> None:
    alert = event.alert
    if event.event == "resolved":
        console.print(
            Text(f"RESOLVED  alert {alert.id}: spike subsided ({alert.brand})", style="green")
        )
        return
    x = alert.explanation
    console.print(Text(f"ALERT {alert.severity.upper()}  {alert.summary}", style="bold red"))
    console.print(Text(f"  why: {x.get('why', '')}"))
    terms = ", ".join(t["term"] for t in x.get("rising_topics", []))
    console.print(Text(f"  rising topics: {terms or 'none'}"))
    console.print(Text("  answer first:"))
    for post in x.get("top_posts", []):
        where = post.get("outpost") or post.get("platform")
        text = safe_cell(post.get("text"), 90).plain
        console.print(safe_cell(f"    [{where}] {post.get('author')}: {text}  {post.get('url')}"))


def _live(
    console: Console,
    pipeline: Pipeline,
    sandbox: Sandbox,
    clock: SimClock,
    duration: float | None,
    tally: _Tally,
) -> None:
    """After the script: real time, a trickle of normal chatter, until the duration ends."""
    if duration is not None and duration <= 0:
        return
    console.print(
        "live now: the sandbox keeps posting normal chatter"
        + ("" if duration else "; Ctrl-C to stop")
    )
    deadline = None if duration is None else time.monotonic() + duration * 0.2
    while deadline is None or time.monotonic() < deadline:
        time.sleep(min(LIVE_STEP_SECONDS, max(0.0, (deadline or 1e18) - time.monotonic())))
        now = datetime.now(UTC)
        clock.set(now)
        sandbox.post_normal(now, LIVE_STEP_SECONDS)
        _show(console, pipeline.run_once(now), now, tally)


def _outro(console: Console, pipeline: Pipeline, tally: _Tally) -> None:
    stored = pipeline.storage.query_mentions(MentionFilter(brand="Acme", limit=None))
    negative = sum(m.sentiment_label == "negative" for m in stored)
    console.print(
        f"done: {len(stored)} Acme mentions in the database ({negative} negative), "
        f"{tally.alerts} alert(s) raised"
    )
    if tally.figures is not None:
        console.print(_figures_line(tally.figures))
    console.print("next: listener mentions --brand Acme --sentiment negative   |   listener alerts")


def _figures_line(figures: ReplayFigures) -> str:
    delays = figures.delays
    caught = f"caught {delays[0]:.0f} min after its onset" if delays else "MISSED"
    return (
        f"scripted revolt: {caught}; {len(figures.false_alerts)} false alert(s) in "
        f"{figures.normal.total_seconds() / 3600:.1f} h of normal traffic"
    )
