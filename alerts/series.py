"""Causal anomaly scores for generic real-valued series (CPU, traffic, counts).

Each row is compared with the distribution of recent history at two time scales: the raw
value against past values (spikes), and a 24-row rolling mean against past rolling means
(level shifts, drifts). When rows carry a time of day, a third channel compares a short mean
with what the same time of day held over the past days, so a burst at a quiet hour stands
out even inside the range the daily peaks have reached. Rank tail
probabilities say how unusual a value is inside the range seen; a robust (median/IQR)
distance says how far beyond it lies. After a confident detection the output is held low
for a while, because a benchmark like NAB (and a person on call) only values the first.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from alerts.sensitivity import Sensitivity, check_sensitivity


@dataclass(frozen=True)
class SeriesParams:
    """Tuning of :func:`score_series`; one set per sensitivity."""

    history: int = 4000  # rows of past values each row is compared with
    scales: tuple[int, ...] = (1, 24)  # rolling-mean widths: points, then shifts and drifts
    warmup: int = 30  # rows before any score above zero
    fire: float = 0.999  # internal score that counts as a detection and starts suppression
    quiet: int = 60  # rows held low after a detection
    span: float = 0.6  # robust sigmas beyond the seen range per e-fold towards score 1
    held: float = 0.5  # factor on scores while held low
    days: int = 14  # past days whose same time-of-day slot forms the daily baseline
    min_days: int = 5  # days a slot needs before its baseline counts
    daily_width: int = 6  # rows averaged before comparing with the daily baseline
    daily_min: int = 3000  # residuals seen before the daily channel may score (rank tails settle)
    daily_level: int = 288  # recent residuals whose median shifts the baseline (busy/quiet days)


PARAMS: dict[Sensitivity, SeriesParams] = {
    "fewer": SeriesParams(fire=0.9995),
    "balanced": SeriesParams(),
    "more": SeriesParams(fire=0.998),
}


class _RankWindow:
    """The last ``size`` values kept sorted, for rank tails and quantiles in O(log n + shift)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.order: deque[float] = deque()
        self.sorted: list[float] = []

    def __len__(self) -> int:
        return len(self.sorted)

    def add(self, value: float) -> None:
        """Append ``value``, dropping the oldest once full."""
        self.order.append(value)
        insort(self.sorted, value)
        if len(self.order) > self.size:
            old = self.order.popleft()
            del self.sorted[bisect_left(self.sorted, old)]

    def surprise(self, value: float, span: float) -> float:
        """Anomaly in [0, 1): two-sided rank tail, extended by distance beyond the range."""
        s = self.sorted
        n = len(s)
        above = n - bisect_left(s, value)  # past values >= value
        below = bisect_right(s, value)  # past values <= value
        tail = (min(above, below) + 1) / (n + 1)
        rank_score = 1.0 - min(1.0, 2.0 * tail)
        scale = self._scale()
        beyond = max(value - s[-1], s[0] - value, 0.0) / scale
        return rank_score + (1.0 - rank_score) * (1.0 - math.exp(-beyond / span))

    def _scale(self) -> float:
        """Robust spread (IQR / 1.349), floored so flat history still has a finite scale."""
        s = self.sorted
        n = len(s)
        iqr = s[(3 * n) // 4] - s[n // 4]
        floor = max(1e-9, 1e-3 * max(abs(s[0]), abs(s[-1])), 0.02 * (s[-1] - s[0]))
        return max(iqr / 1.349, floor)


def score_series(
    points: Sequence[tuple[datetime, float]], *, sensitivity: str = "balanced"
) -> list[float]:
    """Anomaly score in [0, 1] for each ``(timestamp, value)`` row, causal: row i uses rows 0..i.

    Windows count rows, not time, so any sampling interval works; timestamps are not used.
    Scores near 1 are detections: about 0.999 and above is beyond everything recently seen.
    """
    params = PARAMS[check_sensitivity(sensitivity)]
    slots = [time_of_day(stamp) for stamp, _ in points]
    return score_values([value for _, value in points], params, slots)


def time_of_day(stamp: datetime) -> int:
    """Seconds since midnight: rows sharing it form one slot of the daily cycle."""
    return 3600 * stamp.hour + 60 * stamp.minute + stamp.second


def score_values(
    values: Sequence[float], params: SeriesParams, slots: Sequence[int] | None = None
) -> list[float]:
    """:func:`score_series` on bare values with explicit tuning (the benchmark sweeps these).

    ``slots`` gives each row's time of day (:func:`time_of_day`); without it there is no
    daily-cycle channel.
    """
    scales = [_Scale(width, params) for width in params.scales]
    daily = _Daily(params) if slots is not None else None
    out: list[float] = []
    hold = 0
    for i, value in enumerate(values):
        surprises = [scale.step(value) for scale in scales]
        if daily is not None and slots is not None:
            surprises.append(daily.step(slots[i], value))
        raw = max(surprises) if i >= params.warmup else 0.0
        if hold > 0:
            hold -= 1
            raw *= params.held
        elif raw >= params.fire:
            hold = params.quiet
        out.append(raw)
    return out


class _Scale:
    """One time scale: a rolling mean of ``width`` rows against its own recent history."""

    def __init__(self, width: int, params: SeriesParams) -> None:
        self.recent: deque[float] = deque(maxlen=width)
        self.total = 0.0
        self.history = _RankWindow(params.history)
        self.params = params

    def step(self, value: float) -> float:
        """Score the rolling mean that ends at ``value``, then remember it."""
        if len(self.recent) == self.recent.maxlen:
            self.total -= self.recent[0]
        self.recent.append(value)
        self.total += value
        mean = self.total / len(self.recent)
        score = self.history.surprise(mean, self.params.span) if len(self.history) >= 10 else 0.0
        self.history.add(mean)
        return score


class _Daily:
    """A short mean against the median of the same time-of-day slot over the past days.

    Mention volumes swing several-fold between night and afternoon, so a burst at a quiet hour
    can stay inside the range the raw values have seen; its distance from what that hour
    usually holds is what gives it away. Non-negative series (counts) are compared on a square
    root scale, where Poisson-like noise has about the same spread at every hour.
    """

    def __init__(self, params: SeriesParams) -> None:
        self.params = params
        self.slots: dict[int, deque[float]] = {}
        self.recent: deque[float] = deque(maxlen=params.daily_width)
        self.residuals = _RankWindow(params.history)
        self.counts = True  # every value so far >= 0
        self.level = _RankWindow(params.daily_level)

    def step(self, slot: int, value: float) -> float:
        """Score the row's distance from its slot's baseline, then remember both."""
        self.counts = self.counts and value >= 0.0
        level = math.sqrt(value) if self.counts else value
        self.recent.append(level)
        mean = sum(self.recent) / len(self.recent)
        past = self.slots.setdefault(slot, deque(maxlen=self.params.days))
        score = 0.0
        if len(past) >= self.params.min_days:
            excess = mean - _median(past)
            residual = excess - self._offset()
            self.level.add(excess)
            if len(self.residuals) >= self.params.daily_min:
                score = self._upward(residual)
            self.residuals.add(residual)
        past.append(level)
        return score

    def _offset(self) -> float:
        """How far recent rows ran above their slots' baselines: a busy day lifts every hour."""
        return self.level.sorted[len(self.level) // 2] if len(self.level) else 0.0

    def _upward(self, residual: float) -> float:
        """Surprise of an excess over the baseline; deficits are left to the other channels."""
        below_median = residual < self.residuals.sorted[len(self.residuals) // 2]
        return 0.0 if below_median else self.residuals.surprise(residual, self.params.span)


def _median(values: deque[float]) -> float:
    """Median of a short window."""
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])
