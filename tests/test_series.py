"""``score_series``: causal [0, 1] anomaly scores for generic timestamped series."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

import pytest

from alerts import score_series

T0 = datetime(2024, 1, 1)


def points(
    values: list[float], step: timedelta = timedelta(minutes=5)
) -> list[tuple[datetime, float]]:
    """Timestamped rows at a regular step."""
    return [(T0 + i * step, v) for i, v in enumerate(values)]


def daily_noise(n: int, seed: int = 1) -> list[float]:
    """A daily sine (288 rows a day) with Gaussian noise."""
    rng = random.Random(seed)
    return [50 + 20 * math.sin(2 * math.pi * i / 288) + rng.gauss(0, 3) for i in range(n)]


def test_one_score_in_unit_interval_per_row() -> None:
    scores = score_series(points(daily_noise(1500)))
    assert len(scores) == 1500
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert score_series([]) == []


def test_a_spike_scores_above_everything_before_it() -> None:
    values = daily_noise(1500)
    values[1200] += 60
    scores = score_series(points(values))
    assert scores[1200] > 0.999
    assert scores[1200] > max(scores[300:1200])


def test_a_level_shift_is_detected_soon_after_it_starts() -> None:
    values = daily_noise(1500, seed=2)
    values[1200:] = [v + 35 for v in values[1200:]]  # rising towards the daily peak
    scores = score_series(points(values))
    assert max(scores[1200:1240]) > max(scores[300:1200])


def test_a_drop_counts_as_well_as_a_rise() -> None:
    values = [100.0 + (i % 7) for i in range(1000)]
    values[900] = 20.0
    scores = score_series(points(values, timedelta(hours=1)))
    assert scores[900] > max(scores[100:900])


def test_flat_series_stays_quiet_until_it_moves() -> None:
    values = [5.0] * 800 + [9.0]
    scores = score_series(points(values))
    assert max(scores[:800]) == 0.0
    assert scores[800] > 0.99


def test_causal_and_deterministic() -> None:
    values = daily_noise(1200, seed=3)
    values[700] += 40
    full = score_series(points(values))
    for cut in (10, 300, 700, 701, 950):
        assert score_series(points(values[:cut])) == full[:cut]
    assert score_series(points(values)) == full


def test_rows_right_after_a_detection_are_held_low() -> None:
    values = daily_noise(1200, seed=4)
    values[1000] += 80
    values[1005] += 80
    scores = score_series(points(values))
    assert scores[1000] > 0.999
    assert scores[1005] < 0.9  # the same incident: NAB and people value only the first alert


def test_unknown_sensitivity_is_rejected() -> None:
    with pytest.raises(ValueError, match="sensitivity"):
        score_series(points([1.0]), sensitivity="loud")


def daily_counts(days: int, seed: int = 5) -> list[float]:
    """Poisson-like mention counts per 5 minutes: about 4 at night, about 100 mid-afternoon."""
    rng = random.Random(seed)
    out = []
    for i in range(days * 288):
        rate = 4 + 96 * max(0.0, math.sin(math.pi * ((i % 288) / 288))) ** 3
        out.append(float(max(0, round(rng.gauss(rate, math.sqrt(rate))))))
    return out


def test_a_burst_at_the_quiet_hour_beats_the_regular_daily_peak() -> None:
    values = daily_counts(20)
    quiet = 19 * 288 + 10  # 00:50 on the last day, when about 4 mentions an hour-slot is usual
    values[quiet : quiet + 6] = [40.0] * 6  # ten times the usual, far below the daily peak
    scores = score_series(points(values))
    assert max(values[quiet - 288 : quiet]) > 2 * 40  # the peak just before is much larger
    assert max(scores[quiet : quiet + 6]) > 0.999
    assert max(scores[quiet : quiet + 6]) > max(scores[quiet - 288 : quiet])
