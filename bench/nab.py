"""Score Listener's ``score_series`` on the Numenta Anomaly Benchmark, beside simple baselines.

Usage: ``python bench/nab.py [--data DIR] [--detectors ours,windowed_gaussian,...]``

Reads NAB's corpus from ``../shared/data/nab`` relative to the repository (never copied into
it); scoring follows ``SCORING.md`` there and lives in ``bench/nab_scoring.py``. Scores are
normalised over the windows of the files present (the shared copy lacks realTweets), so they
are subset scores, not official NAB numbers.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import random
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing import Pool
from multiprocessing.pool import Pool as PoolType
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH)]

from nab_scoring import (  # noqa: E402
    PROFILES,
    FileScores,
    normalise,
    probation_rows,
    sweep,
    windows_from_timestamps,
)

from alerts.detector import Bucket, RevoltDetector  # noqa: E402
from alerts.series import PARAMS, score_values, time_of_day  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "nab"

Detector = Callable[[Sequence[float], Sequence[int]], list[float]]  # values, times of day
Corpus = tuple[str, list[str], list[float], list[list[str]]]  # path, stamps, values, labels


def ours(values: Sequence[float], slots: Sequence[int]) -> list[float]:
    """Listener's detector at the default ("balanced") sensitivity."""
    return score_values(values, PARAMS["balanced"], slots)


def windowed_gaussian(
    values: Sequence[float], slots: Sequence[int] = (), size: int = 6400, step: int = 100
) -> list[float]:
    """NAB's windowed Gaussian idea: two-sided normal tail against a sliding window's mean/std."""
    window: deque[float] = deque(maxlen=size)
    mean, std = 0.0, 0.0
    out: list[float] = []
    for i, value in enumerate(values):
        tail = 0.5 * math.erfc(abs(value - mean) / (std * math.sqrt(2))) if std > 0 else 0.5
        out.append(1.0 - tail if window else 0.0)
        window.append(value)
        if i % step == 0 or std == 0:
            mean = sum(window) / len(window)
            std = math.sqrt(sum((v - mean) ** 2 for v in window) / len(window))
    return out


def fixed_threshold(values: Sequence[float], slots: Sequence[int] = ()) -> list[float]:
    """A fixed alert level: |z| against the first 15% of rows; the sweep picks the level."""
    head = values[: max(2, probation_rows(len(values)))]
    mean = sum(head) / len(head)
    std = math.sqrt(sum((v - mean) ** 2 for v in head) / len(head)) or 1.0
    return [abs(v - mean) / (abs(v - mean) + std) for v in values]  # |z| / (|z| + 1)


DETECTORS: dict[str, Detector] = {
    "ours": ours,
    "windowed_gaussian": windowed_gaussian,
    "fixed_threshold": fixed_threshold,
}


def load_corpus(data: Path) -> list[Corpus]:
    """``(relative path, timestamps, values, label windows)`` for every labelled file present."""
    labels = json.loads((data / "labels" / "combined_windows.json").read_text())
    corpus = []
    for rel, spans in sorted(labels.items()):
        path = data / "data" / rel
        if not path.exists():
            continue  # realTweets is held out of the shared copy
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        corpus.append(
            (rel, [r["timestamp"] for r in rows], [float(r["value"]) for r in rows], spans)
        )
    return corpus


def _run(job: tuple[str, list[float], list[int]]) -> list[float]:
    """Worker: one detector over one file's values (and times of day)."""
    name, values, slots = job
    scores = DETECTORS[name](values, slots)
    if any(not 0.0 <= s <= 1.0 for s in scores):
        raise ValueError(f"{name} produced a score outside [0, 1]")
    return scores


def evaluate(name: str, corpus: list[Corpus], pool: PoolType) -> dict[str, float]:
    """Normalised score of one detector for each profile."""
    jobs = [(name, values, _slots(stamps)) for _, stamps, values, _ in corpus]
    outputs = pool.map(_run, jobs)
    files = [
        FileScores(scores, windows_from_timestamps(stamps, spans), probation_rows(len(values)))
        for (_, stamps, values, spans), scores in zip(corpus, outputs, strict=True)
    ]
    n_windows = sum(len(f.windows) for f in files)
    return {p.name: normalise(sweep(files, p)[1], n_windows, p) for p in PROFILES}


def _slots(stamps: Sequence[str]) -> list[int]:
    """Time of day of each NAB timestamp."""
    return [time_of_day(dt.datetime.fromisoformat(stamp)) for stamp in stamps]


def detector_milliseconds(n_buckets: int = 2016, repeats: int = 20) -> float:
    """Median wall time of ``RevoltDetector.run`` over a week of seeded 5-minute buckets."""
    rng = random.Random(0)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    week = []
    for i in range(n_buckets):
        total = rng.randint(5, 40)
        week.append(Bucket(start + i * dt.timedelta(minutes=5), total, rng.randint(0, total // 4)))
    detector = RevoltDetector()
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        detector.run(week)
        times.append(time.perf_counter() - began)
    return 1000 * statistics.median(times)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the NAB table; exit 2 when the data directory is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="NAB directory")
    parser.add_argument("--detectors", default=",".join(DETECTORS), help="comma-separated")
    args = parser.parse_args(argv)
    if not (args.data / "labels" / "combined_windows.json").exists():
        print(
            f"NAB data not found at {args.data} (expected labels/combined_windows.json);"
            " pass --data DIR",
            file=sys.stderr,
        )
        return 2
    corpus = load_corpus(args.data)
    n_windows = sum(len(spans) for *_, spans in corpus)
    print(f"NAB subset: {len(corpus)} files, {n_windows} windows from {args.data}")
    print(f"{'detector':<20} {'standard':>9} {'low_FP':>9} {'low_FN':>9} {'seconds':>8}")
    with Pool(2) as pool:
        for name in args.detectors.split(","):
            started = time.perf_counter()
            result = evaluate(name, corpus, pool)
            took = time.perf_counter() - started
            cells = " ".join(f"{result[p.name]:9.1f}" for p in PROFILES)
            print(f"{name:<20} {cells} {took:8.1f}")
    print(f"RevoltDetector.run on 2,016 buckets: {detector_milliseconds():.1f} ms (median of 20)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
