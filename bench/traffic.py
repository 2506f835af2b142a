"""Seeded synthetic mention traffic per 5-minute bucket: seasonality, noise, revolts, launches.

Normal traffic: a brand's mean volume times a daily cycle (quiet at night, peak mid-afternoon),
a weekly cycle (weekends lighter) and gamma-distributed noise (overdispersed, like real
mentions); about 15% of mentions are negative. Events add to that:

* revolts: extra negative mentions (``sudden``: at full strength at once; ``slow``: ramping up
  over an hour), sized relative to the brand's usual volume, with a floor so low-volume
  brands get a revolt a person would notice (a dozen angry posts in five minutes);
* benign surges that must not fire: a launch (volume x3 for three hours, mostly positive) and
  a viral positive post (volume x6 for half an hour);
* everyday nuisances, at random (about one a day): news (volume x2-4 for 10-40 minutes, 20%
  negative) and a few angry regulars (4 extra negative posts per bucket for half an hour).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

BUCKET = timedelta(minutes=5)
START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
NEGATIVE_SHARE = 0.15
_NOISE_SHAPE = 6.0  # gamma shape of the per-bucket rate noise: variance/mean = 1 + mean/6


@dataclass(frozen=True)
class Event:
    """A revolt or benign surge: kind, start, length."""

    kind: str  # "sudden", "slow", "launch", "viral", "spike"; nuisances: "news", "regulars"
    start: datetime
    minutes: int
    size: float = 1.0  # "spike": peak volume multiple, decaying over ``minutes / 3``

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    @property
    def revolt(self) -> bool:
        return self.kind in ("sudden", "slow")

    @property
    def scripted(self) -> bool:
        """Part of the calendar (shown in the tables), not an everyday nuisance."""
        return self.kind not in ("news", "regulars")


@dataclass(frozen=True)
class Series:
    """One brand's generated buckets: start times, totals, negatives, and its events."""

    name: str
    starts: list[datetime]
    totals: list[int]
    negatives: list[int]
    events: tuple[Event, ...]


def seasonal(moment: datetime) -> float:
    """Daily x weekly multiplier, mean about 1: low at 04:00, peak about 15:00 UTC."""
    hour = moment.hour + moment.minute / 60
    daily = 1.0 + 0.7 * math.sin(2 * math.pi * (hour - 9.0) / 24)
    weekly = 0.7 if moment.weekday() >= 5 else 1.1
    return daily * weekly


def generate(name: str, per_bucket: float, days: int, events: Sequence[Event], seed: int) -> Series:
    """``days`` of buckets for a brand averaging ``per_bucket`` mentions per 5 minutes."""
    rng = random.Random(seed)
    events = (*events, *nuisances(random.Random(seed + 1), days))
    starts, totals, negatives = [], [], []
    for i in range(days * int(timedelta(days=1) / BUCKET)):
        moment = START + i * BUCKET
        base = per_bucket * seasonal(moment) * rng.gammavariate(_NOISE_SHAPE, 1 / _NOISE_SHAPE)
        volume, share, extra = _apply(moment, base, per_bucket, events)
        usual = _poisson(rng, volume)
        angry = _poisson(rng, extra)
        starts.append(moment)
        totals.append(usual + angry)
        negatives.append(sum(rng.random() < share for _ in range(usual)) + angry)
    return Series(name, starts, totals, negatives, tuple(events))


def _apply(
    moment: datetime, base: float, per_bucket: float, events: Sequence[Event]
) -> tuple[float, float, float]:
    """Normal volume, negative share and extra negative mentions at ``moment``."""
    volume, share, extra = base, NEGATIVE_SHARE, 0.0
    for e in events:
        if not e.start <= moment < e.end:
            continue
        if e.kind == "launch":
            volume, share = base * 3.0, 0.05
        elif e.kind == "news":
            volume, share = base * (2.0 + (e.minutes % 3)), 0.2
        elif e.kind == "regulars":
            extra = 4.0
        elif e.kind == "spike":
            decay = math.exp(-3 * (moment - e.start) / timedelta(minutes=e.minutes))
            volume = base * (1 + (e.size - 1) * decay)
        elif e.kind == "viral":
            volume, share = base * 6.0, 0.04
        else:
            full = max(2.0 * per_bucket * seasonal(moment), 12.0)
            ramp = min(1.0, (moment - e.start) / timedelta(minutes=60))
            extra = full * (ramp if e.kind == "slow" else 1.0)
    return volume, share, extra


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (normal approximation above 50, fine for counts of mentions)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def calendar(days: int) -> tuple[Event, ...]:
    """The events of every series: revolts of each shape after two weeks, benign surges too."""

    def at(day: int, hour: int, minute: int = 0) -> datetime:
        return START + timedelta(days=day, hours=hour, minutes=minute)

    events = (
        Event("sudden", at(15, 10, 20), 60),
        Event("launch", at(16, 9), 180),
        Event("slow", at(18, 13, 5), 90),
        Event("viral", at(20, 11, 30), 30),
        Event("sudden", at(22, 15), 60),  # during the daily peak
        Event("sudden", at(24, 3, 40), 45),  # at night, when volume is lowest
        Event("launch", at(26, 14), 180),
    )
    return tuple(e for e in events if e.end <= START + timedelta(days=days))


def nuisances(rng: random.Random, days: int) -> list[Event]:
    """About one news spike or angry-regulars episode a day, at random times."""
    out = []
    for day in range(days):
        if rng.random() < 0.7:
            at = START + timedelta(days=day, minutes=rng.randrange(24 * 60))
            out.append(Event("news", at, rng.randrange(10, 41)))
        if rng.random() < 0.3:
            at = START + timedelta(days=day, minutes=rng.randrange(24 * 60))
            out.append(Event("regulars", at, 30))
    return out
