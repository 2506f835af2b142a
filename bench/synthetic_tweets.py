"""A sanity check of ``score_series`` on synthetic company mention volumes (NAB-style scoring).

Usage: ``python bench/synthetic_tweets.py [--series 10] [--seed 0]``

NAB's realTweets category (5-minute counts of tweets naming a company, with daily cycles and
news-driven spikes) is held out of our shared data. This generates series of that kind
(``bench/traffic.py``: seasonality, overdispersed noise, small everyday news bumps) with two to
four big news spikes each as the labelled anomalies, NAB-sized windows around them, and scores
Listener's detector and the windowed Gaussian with ``bench/nab_scoring.py``. It is a sanity
check of behaviour on this kind of series, never a tuning target (it is our own generator).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

from nab import DETECTORS  # noqa: E402
from nab_scoring import PROFILES, FileScores, normalise, probation_rows, sweep  # noqa: E402
from traffic import BUCKET, START, Event, generate  # noqa: E402

DAYS = 55  # about the length of a realTweets file (15,800 rows)


def spikes(rng: random.Random) -> list[Event]:
    """Two to four news spikes after the first week: x3 to x10, decaying over 30 to 180 min."""
    days = sorted(rng.sample(range(8, DAYS - 1), rng.randint(2, 4)))
    return [
        Event(
            "spike",
            START + timedelta(days=day, minutes=rng.randrange(6 * 60, 22 * 60)),
            rng.randrange(30, 181),
            size=rng.uniform(3.0, 10.0),
        )
        for day in days
    ]


def labelled(seed: int) -> tuple[list[float], list[tuple[int, int]]]:
    """One series and its NAB windows (10% of the rows shared by the anomalies, centred)."""
    rng = random.Random(seed)
    events = spikes(rng)
    mean = 20.0 * 10 ** rng.uniform(0.0, 1.0)  # 20 to 200 mentions per 5 minutes
    series = generate(f"tweets-{seed}", mean, DAYS, events, seed=seed)
    n = len(series.totals)
    half = int(0.1 * n / len(events)) // 2
    rows = [int((e.start - START) / BUCKET) for e in events]
    return [float(v) for v in series.totals], [
        (max(0, r - half), min(n - 1, r + half)) for r in rows
    ]


def slots(n: int) -> list[int]:
    """Time of day (seconds) of each 5-minute row from midnight on."""
    step = int(BUCKET.total_seconds())
    return [(i * step) % 86400 for i in range(n)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    corpus = [labelled(args.seed * 1000 + i) for i in range(args.series)]
    n_windows = sum(len(w) for _, w in corpus)
    print(
        f"synthetic company mention volumes: {len(corpus)} series x {DAYS} days, {n_windows} spikes"
    )
    print(f"{'detector':<20} {'standard':>9} {'low_FP':>9} {'low_FN':>9}")
    for name in ("ours", "windowed_gaussian"):
        files = [
            FileScores(
                DETECTORS[name](values, slots(len(values))), windows, probation_rows(len(values))
            )
            for values, windows in corpus
        ]
        cells = " ".join(f"{normalise(sweep(files, p)[1], n_windows, p):9.1f}" for p in PROFILES)
        print(f"{name:<20} {cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
