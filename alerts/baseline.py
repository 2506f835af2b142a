"""A robust, seasonal expected count per time bucket, learned online.

``expected = level x seasonal ratio``. The level is an EWMA of deseasonalised counts; the
ratio is the mean of the bucket's hour-of-day slot (hour-of-week once two weeks are known)
over the overall mean, shrunk towards 1 while a slot has few samples. Learning is the
caller's choice per bucket, so anomalous buckets can be kept out of the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_DAY_SLOTS = 24
_WEEK_SLOTS = 7 * 24
_SHRINK = 12.0  # pseudo-samples of "no seasonality" behind every slot mean


@dataclass
class _Slots:
    """Running means per seasonal slot (EWMA once ``memory`` samples are in)."""

    size: int
    memory: int
    means: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.means = [0.0] * self.size
        self.counts = [0] * self.size

    def add(self, slot: int, value: float) -> None:
        """Fold ``value`` into ``slot``'s mean."""
        n = self.counts[slot] = self.counts[slot] + 1
        self.means[slot] += (value - self.means[slot]) / (n if n < self.memory else self.memory)

    def ratio(self, slot: int, overall: float) -> float:
        """Slot mean over ``overall``, shrunk towards 1 by :data:`_SHRINK` pseudo-samples."""
        if overall <= 0:
            return 1.0
        n = min(self.counts[slot], self.memory)
        return (n * self.means[slot] + _SHRINK * overall) / ((n + _SHRINK) * overall)


@dataclass
class CountBaseline:
    """Expected count of one series (all mentions, or negative ones) for the next bucket."""

    per_day: int  # buckets in a day
    horizon: int | None = None  # buckets that will ever be fed, if known: skips unused slots
    level_memory: int = 72  # buckets the level remembers (6 hours at 5 minutes)
    level: float = 0.0
    overall: float = 0.0
    seen: int = 0
    learned: int = 0  # buckets folded into the level
    days: _Slots = field(init=False)
    weeks: _Slots = field(init=False)
    _daily: bool = field(init=False)
    _weekly: bool = field(init=False)

    def __post_init__(self) -> None:
        self.days = _Slots(_DAY_SLOTS, memory=max(1, 7 * self.per_day // _DAY_SLOTS))
        self.weeks = _Slots(_WEEK_SLOTS, memory=max(1, 3 * self.per_day // _DAY_SLOTS))
        # slots whose ratio can never be used before the horizon need no learning (speed only)
        self._daily = self.horizon is None or self.horizon > 2 * self.per_day
        self._weekly = self.horizon is None or self.horizon > 14 * self.per_day

    def ratio(self, hour: int, weekday: int) -> float:
        """Seasonal multiplier of this slot, 1 until two days (two weeks for weekly) are known."""
        if self.seen >= 14 * self.per_day:
            return self.weeks.ratio(weekday * 24 + hour, self.overall)
        if self.seen >= 2 * self.per_day:
            return self.days.ratio(hour, self.overall)
        return 1.0

    def expected(self, ratio: float) -> float:
        """Expected count in a bucket whose seasonal multiplier is ``ratio``."""
        return self.level * ratio

    def learn(self, value: float, hour: int, weekday: int, ratio: float, *, level: bool) -> None:
        """Fold one bucket's count into the seasonal slots, and into the level if ``level``."""
        self.seen += 1
        if level:
            self.learned += 1
            memory = self.learned if self.learned < self.level_memory else self.level_memory
            self.level += (value / ratio - self.level) / memory
        week = 7 * self.per_day
        self.overall += (value - self.overall) / (self.seen if self.seen < week else week)
        if self._daily:
            self.days.add(hour, value)
        if self._weekly:
            self.weeks.add(weekday * 24 + hour, value)
