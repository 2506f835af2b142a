"""How a replay went: detection delays, misses and false alerts per week (pure).

A scripted revolt is detected by the first alert for its brand that fires between its onset and
``grace`` after its end; its delay is minutes from the scripted onset to that alert. Any other
alert is false, except further alerts inside an already detected revolt (``repeats``). Normal
traffic is the replayed span minus the revolt windows (each with its grace): false alerts are
counted per week of it, so benign surges (a launch) count as normal traffic, as they should.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

GRACE = timedelta(minutes=60)  # an alert this long after a revolt ended still belongs to it
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Window:
    """A scripted revolt: when it starts and ends, and for which brand (None: any)."""

    start: datetime
    end: datetime
    brand: str | None = None
    label: str = ""


@dataclass(frozen=True)
class AlertTiming:
    """When an alert's spike began (the detector's onset) and when the alert fired."""

    brand: str
    onset: datetime
    fired: datetime


@dataclass(frozen=True)
class Detection:
    """One scripted revolt and the alert that caught it, if any."""

    revolt: Window
    alert: AlertTiming | None

    @property
    def delay_minutes(self) -> float | None:
        """Minutes from the scripted onset to the alert; None when missed."""
        if self.alert is None:
            return None
        return (self.alert.fired - self.revolt.start) / timedelta(minutes=1)


@dataclass(frozen=True)
class ReplayFigures:
    """The replay's numbers (see the module docstring)."""

    detections: tuple[Detection, ...]
    false_alerts: tuple[AlertTiming, ...]
    repeats: int
    normal: timedelta  # replayed time outside the revolt windows

    @property
    def missed(self) -> int:
        return sum(d.alert is None for d in self.detections)

    @property
    def delays(self) -> list[float]:
        return [d for x in self.detections if (d := x.delay_minutes) is not None]

    @property
    def false_per_week(self) -> float:
        """False alerts per week of normal traffic (0 when there was none)."""
        return len(self.false_alerts) / (self.normal / WEEK) if self.normal > timedelta(0) else 0.0


def score_alerts(
    alerts: Sequence[AlertTiming],
    revolts: Sequence[Window],
    start: datetime,
    end: datetime,
    *,
    grace: timedelta = GRACE,
) -> ReplayFigures:
    """Match alerts to scripted revolts over the replayed span ``[start, end)``."""
    caught: dict[int, AlertTiming] = {}
    false: list[AlertTiming] = []
    repeats = 0
    for alert in sorted(alerts, key=lambda a: a.fired):
        index = _revolt_of(alert, revolts, grace)
        if index is None:
            false.append(alert)
        elif index in caught:
            repeats += 1
        else:
            caught[index] = alert
    detections = tuple(Detection(r, caught.get(i)) for i, r in enumerate(revolts))
    covered = _covered(revolts, start, end, grace)
    return ReplayFigures(detections, tuple(false), repeats, (end - start) - covered)


def _revolt_of(alert: AlertTiming, revolts: Sequence[Window], grace: timedelta) -> int | None:
    for i, r in enumerate(revolts):
        if r.brand in (None, alert.brand) and r.start <= alert.fired < r.end + grace:
            return i
    return None


def _covered(
    revolts: Sequence[Window], start: datetime, end: datetime, grace: timedelta
) -> timedelta:
    """Total time inside revolt windows (with grace) within ``[start, end)``, overlaps merged."""
    spans = sorted((max(r.start, start), min(r.end + grace, end)) for r in revolts)
    total, reach = timedelta(0), start
    for lo, hi in spans:
        lo = max(lo, reach)
        if hi > lo:
            total += hi - lo
            reach = hi
    return total
