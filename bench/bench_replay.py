"""Replay figures: detection delay, misses and false alerts per week, per sensitivity.

Usage: ``python bench/bench_replay.py [--days 28] [--seeds 3] [--skip-pipeline]``

Part 1, FULL PIPELINE: the demo's script (10 h of Acme chatter, a revolt 6 h in) replayed by
``listener.replay.run_replay``: replay connector, brand matching, NLP, SQLite storage, Alerter.

Part 2, PURE DETECTOR: generated 5-minute bucket counts (``bench/traffic.py``: several weeks,
three volume levels, revolts of several shapes, benign launches and viral posts) through
``RevoltDetector.run`` as the Alerter runs it (7 days of history; re-run once per simulated
day, so each bucket sees 7 to 8 days), scored by ``listener.replay_score``. An alert fires at
the end of the bucket that confirmed it, as it would in the pipeline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

from traffic import BUCKET, START, Event, Series, calendar, generate  # noqa: E402

from alerts.detector import Bucket, RevoltDetector, Verdict  # noqa: E402
from alerts.sensitivity import SENSITIVITIES  # noqa: E402
from listener.replay_score import (  # noqa: E402
    AlertTiming,
    ReplayFigures,
    Window,
    score_alerts,
)

VOLUMES = {"low": 1.0, "medium": 8.0, "high": 60.0}  # mean mentions per 5 minutes
HISTORY_DAYS = 7  # the Alerter's default detector.history
PER_DAY = int(timedelta(days=1) / BUCKET)


def pipeline_part() -> None:
    """Part 1: the demo script through the full pipeline, per sensitivity."""
    from listener.replay import brands_for, posts_from_script, replay_settings, run_replay
    from listener.scenario import build_script
    from listener.settings import DetectorSettings, Settings

    script = build_script(datetime(2026, 3, 2, 12, tzinfo=UTC), hours=10.0)
    stream = posts_from_script(script)
    revolt = Window(script.revolt_start, script.revolt_end, "Acme", "scripted")
    print(f"FULL PIPELINE: demo script, {len(stream)} posts over 10 h, one 60-min revolt")
    print(f"{'sensitivity':<12} {'delay_min':>9} {'false':>6} {'seconds':>8}")
    for sensitivity in SENSITIVITIES:
        with tempfile.TemporaryDirectory() as directory:
            base = Settings(detector=DetectorSettings(sensitivity=sensitivity))
            url = f"sqlite:///{Path(directory) / 'replay.db'}"
            settings = replay_settings(base, brands_for(stream, ["Acme"]), url)
            began = time.perf_counter()
            result = run_replay(settings, stream, [revolt])
            took = time.perf_counter() - began
        f = result.figures
        delay = ", ".join(f"{d:.0f}" for d in f.delays) or "missed"
        print(f"{sensitivity:<12} {delay:>9} {len(f.false_alerts):>6} {took:8.1f}")


def alerts_of(series: Series, sensitivity: str) -> list[AlertTiming]:
    """Alerts the pipeline would raise on ``series``: one per transition into firing."""
    buckets = [
        Bucket(s, t, n)
        for s, t, n in zip(series.starts, series.totals, series.negatives, strict=True)
    ]
    detector = RevoltDetector(sensitivity=sensitivity)  # type: ignore[arg-type]
    verdicts: list[Verdict] = []
    for day in range(len(buckets) // PER_DAY):
        lo = max(0, (day - HISTORY_DAYS) * PER_DAY)
        verdicts.extend(detector.run(buckets[lo : (day + 1) * PER_DAY])[-PER_DAY:])
    alerts, previous = [], "ok"
    for v in verdicts:
        if v.state == "firing" and previous != "firing":
            alerts.append(AlertTiming(series.name, v.onset or v.start, v.start + BUCKET))
        previous = v.state
    return alerts


def figures_of(series: Series, sensitivity: str) -> ReplayFigures:
    revolts = [Window(e.start, e.end, series.name, e.kind) for e in series.events if e.revolt]
    end = series.starts[-1] + BUCKET
    return score_alerts(alerts_of(series, sensitivity), revolts, series.starts[0], end)


def detector_part(days: int, seeds: int) -> None:
    """Part 2: generated weeks through the pure detector, per sensitivity."""
    events = calendar(days)
    series = [
        generate(f"{level}-{seed}", mean, days, events, seed=1000 * seed + i)
        for i, (level, mean) in enumerate(VOLUMES.items())
        for seed in range(seeds)
    ]
    print(
        f"\nPURE DETECTOR: {len(series)} generated brands x {days} days "
        f"({', '.join(f'{k} ~{v:g}' for k, v in VOLUMES.items())} mentions / 5 min; "
        f"{seeds} seeds each); {sum(e.revolt for e in events)} revolts and "
        f"{sum(not e.revolt for e in events)} benign surges per brand, and about one news "
        "spike or angry-regulars episode a day at random"
    )
    for sensitivity in SENSITIVITIES:
        began = time.perf_counter()
        results = [(s, figures_of(s, sensitivity)) for s in series]
        _print_sensitivity(sensitivity, results, events, time.perf_counter() - began)


def _print_sensitivity(
    sensitivity: str,
    results: Sequence[tuple[Series, ReplayFigures]],
    events: Sequence[Event],
    took: float,
) -> None:
    print(f"\n[{sensitivity}] delay in minutes per revolt (one cell per seed; - = missed)")
    revolts = [e for e in events if e.revolt]
    header = " ".join(f"{e.kind}@d{(e.start - START).days}h{e.start.hour}" for e in revolts)
    print(f"  {'brand level':<12} {header}")
    for level in VOLUMES:
        cells = []
        for index in range(len(revolts)):
            delays = [_delay(f, index) for s, f in results if s.name.startswith(level)]
            cells.append(",".join(delays))
        print(
            f"  {level:<12} "
            + " ".join(f"{c:>{len(h)}}" for c, h in zip(cells, header.split(), strict=True))
        )
    _print_totals(results, events, took)


def _delay(figures: ReplayFigures, index: int) -> str:
    delay = figures.detections[index].delay_minutes
    return "-" if delay is None else f"{delay:.0f}"


def _print_totals(
    results: Sequence[tuple[Series, ReplayFigures]], events: Sequence[Event], took: float
) -> None:
    delays = [d for _, f in results for d in f.delays]
    total = sum(len(f.detections) for _, f in results)
    causes = Counter(_cause(s, a) for s, f in results for a in f.false_alerts)
    false = sum(causes.values())
    weeks = sum(f.normal / timedelta(days=7) for _, f in results)
    median = statistics.median(delays) if delays else float("nan")
    worst = max(delays) if delays else float("nan")
    print(
        f"  detected {len(delays)}/{total} revolts, missed {total - len(delays)}; "
        f"delay median {median:.0f} min, max {worst:.0f}; {false} false alerts "
        f"= {false / weeks:.2f} per week of normal traffic ({weeks:.1f} brand-weeks); "
        f"{took:.1f} s"
    )
    if causes:
        print("  false alerts during: " + ", ".join(f"{k} {v}" for k, v in causes.items()))


def _cause(series: Series, alert: AlertTiming) -> str:
    """The benign event an alert fired in (or up to an hour after), else "quiet traffic"."""
    for e in series.events:
        if not e.revolt and e.start <= alert.fired < e.end + timedelta(hours=1):
            return e.kind
    return "quiet traffic"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28, help="days of generated traffic")
    parser.add_argument("--seeds", type=int, default=3, help="brands per volume level")
    parser.add_argument("--skip-pipeline", action="store_true", help="only the pure part")
    args = parser.parse_args(argv)
    if not args.skip_pipeline:
        pipeline_part()
    detector_part(args.days, args.seeds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
