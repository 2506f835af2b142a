"""The flash-revolt detector: negative mentions surging in volume and in share, together.

Pure and causal: :meth:`RevoltDetector.run` replays per-brand buckets through seasonal count
baselines (:mod:`alerts.baseline`) and count-model tail probabilities (:mod:`alerts.tails`),
then a hysteresis state machine (ok -> pending -> firing -> ok) so an alert neither flaps nor
fires on one angry post.

Evidence is ``-log10 p`` of the *weakest* of three tests, so all must agree: negative count
vs its expected count (quasi-Poisson, the main test), and at a third of the weight (they only
need to be fairly sure) negative share vs its usual share (quasi-binomial) and total volume vs its
expected volume (quasi-Poisson). A launch lifts volume but not share; a few angry regulars
lift share but not volume: neither is a flash revolt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from alerts.baseline import CountBaseline
from alerts.sensitivity import Sensitivity, check_sensitivity
from alerts.tails import binomial_sf, poisson_sf

State = Literal["ok", "pending", "firing"]
Severity = Literal["warning", "critical"]

WARMUP = 12  # buckets of history before anything may fire
_SHARE_DISPERSION = 2.0  # retweets and pile-ons make mentions less independent than binomial
_LEARN_BELOW = 3.0  # evidence above this keeps a bucket out of the baseline
_GATE = 3  # p**3: share and volume tests need a third of the evidence (p < 0.01 when balanced)
_CAP_SD = 5.0  # residuals beyond this many sd teach the dispersion no more than 5 sd would
_FLOOR = 0.5  # smallest expected count a test uses, so an empty history is not infinitely sure


@dataclass(frozen=True)
class Bucket:
    """Mentions of one brand in one time bucket (5 minutes by default)."""

    start: datetime
    total: int
    negative: int
    reach: int = 0


@dataclass(frozen=True)
class Verdict:
    """What the detector concluded about one bucket."""

    start: datetime
    score: float  # anomaly score in [0, 1]
    state: State
    expected_total: float
    expected_negative: float
    negative_share: float
    usual_negative_share: float
    severity: Severity | None
    onset: datetime | None


@dataclass(frozen=True)
class _Tuning:
    """Evidence levels (``-log10 p``) and bucket counts behind one sensitivity."""

    fire: float  # evidence to enter pending / confirm firing
    release: float  # evidence below which a bucket counts towards resolving
    confirm: int  # consecutive hot buckets from ok to firing
    cooldown: int  # consecutive calm buckets from firing to ok


_TUNING: dict[Sensitivity, _Tuning] = {
    "fewer": _Tuning(fire=9.0, release=4.5, confirm=3, cooldown=3),
    "balanced": _Tuning(fire=6.0, release=3.0, confirm=2, cooldown=3),
    "more": _Tuning(fire=4.0, release=2.0, confirm=2, cooldown=3),
}


class _Reading(NamedTuple):  # a tuple: built once per bucket, so cheaper than a dataclass
    """One bucket's counts compared with the baselines."""

    bucket: Bucket
    expected_total: float
    expected_negative: float
    usual_share: float
    evidence: float


def evidence_to_score(evidence: float) -> float:
    """Map evidence (``-log10 p``, >= 0) to [0, 1): 6 (p = 1e-6) gives 0.5."""
    return evidence / (evidence + 6.0)


class RevoltDetector:
    """Streaming flash-revolt detector over one brand's buckets (pure: no I/O, no clock)."""

    def __init__(
        self,
        *,
        sensitivity: Sensitivity = "balanced",
        bucket: timedelta = timedelta(minutes=5),
        min_volume: int = 10,
    ) -> None:
        if bucket <= timedelta(0):
            raise ValueError("bucket must be a positive duration")
        self.sensitivity = check_sensitivity(sensitivity)
        self.bucket = bucket
        self.min_volume = min_volume
        self._tuning = _TUNING[self.sensitivity]
        self._per_day = max(1, round(timedelta(days=1) / bucket))

    def run(self, buckets: Sequence[Bucket]) -> list[Verdict]:
        """One verdict per bucket; verdict i depends only on ``buckets[:i+1]``.

        Buckets must be in strictly increasing time order; missing buckets are zeros.
        """
        dense = self._dense(buckets)
        readings = _Replay(self._per_day, horizon=len(dense))
        machine = _Hysteresis(self._tuning)
        verdicts: list[Verdict] = []
        for bucket, is_real in dense:
            reading = readings.step(bucket)
            may_fire = readings.seen > WARMUP and bucket.total >= self.min_volume
            state, onset = machine.step(reading.evidence if may_fire else 0.0, bucket.start)
            if is_real:
                verdicts.append(self._verdict(reading, state, onset, readings))
        return verdicts

    def _dense(self, buckets: Sequence[Bucket]) -> list[tuple[Bucket, bool]]:
        """The buckets with zero-volume buckets filled into gaps; the flag marks real ones."""
        out: list[tuple[Bucket, bool]] = []
        for bucket in buckets:
            if out:
                last = out[-1][0].start
                if bucket.start <= last:
                    raise ValueError(f"buckets out of order at {bucket.start.isoformat()}")
                missing = int((bucket.start - last) / self.bucket) - 1
                out.extend(
                    (Bucket(last + (k + 1) * self.bucket, 0, 0), False) for k in range(missing)
                )
            out.append((bucket, True))
        return out

    def _verdict(
        self, reading: _Reading, state: State, onset: datetime | None, replay: _Replay
    ) -> Verdict:
        """Assemble the public verdict, with severity only while pending or firing."""
        bucket = reading.bucket
        share = bucket.negative / bucket.total if bucket.total else 0.0
        severity = None if state == "ok" else replay.severity(reading, self._tuning.fire)
        return Verdict(
            start=bucket.start,
            score=evidence_to_score(reading.evidence),
            state=state,
            expected_total=reading.expected_total,
            expected_negative=reading.expected_negative,
            negative_share=share,
            usual_negative_share=reading.usual_share,
            severity=severity,
            onset=onset,
        )


class _Replay:
    """Baselines plus the evidence of each new bucket; learns only from unremarkable buckets."""

    def __init__(self, per_day: int, horizon: int) -> None:
        self.per_day = per_day
        self.total = CountBaseline(per_day, horizon)
        self.negative = CountBaseline(per_day, horizon)
        self.expected_reach = 0.0
        self.spread = _Overdispersion()
        self.seen = 0
        self.recent_negative: list[int] = []  # the last few buckets, for "how fast"

    def step(self, bucket: Bucket) -> _Reading:
        """Compare ``bucket`` with the baselines, then learn from it if it was ordinary."""
        hour, weekday = bucket.start.hour, bucket.start.weekday()
        ratios = (self.total.ratio(hour, weekday), self.negative.ratio(hour, weekday))
        e_total = self.total.expected(ratios[0])
        e_negative = self.negative.expected(ratios[1])
        usual = (e_negative + 0.05) / (e_total + 0.2)  # a 25% prior share while volume is tiny
        evidence = self._evidence(bucket, e_total, e_negative, usual)
        reading = _Reading(bucket, e_total, e_negative, usual, evidence)
        self._learn(bucket, e_total, hour, weekday, ratios, ordinary=evidence < _LEARN_BELOW)
        self.recent_negative = [*self.recent_negative[-3:], bucket.negative]
        return reading

    def _evidence(self, bucket: Bucket, e_total: float, e_negative: float, usual: float) -> float:
        """``-log10`` of the weakest of the three tail probabilities (0 when nothing is up)."""
        unsure = 1.0 + 20.0 / (self.seen + 1)  # wide while history is short
        floor = max(e_negative, _FLOOR)
        phi = max(self.spread.phi(floor), unsure)
        two_sd_up = floor + 2 * math.sqrt(phi * floor)
        # below 2 sd up there is nothing to report: skip the exact tails (keeps run() fast)
        if bucket.negative < two_sd_up or bucket.negative <= usual * bucket.total:
            return 0.0
        p_negative = poisson_sf(bucket.negative / phi, floor / phi)
        n_eff = bucket.total / _SHARE_DISPERSION
        p_share = (
            binomial_sf(bucket.negative / _SHARE_DISPERSION, n_eff, min(usual, 0.999)) ** _GATE
        )
        e_total = max(e_total, _FLOOR)
        phi_total = max(self.spread.phi(e_total), unsure)
        p_total = poisson_sf(bucket.total / phi_total, e_total / phi_total) ** _GATE
        return -math.log10(max(p_negative, p_share, p_total, 1e-300))

    def _learn(
        self,
        bucket: Bucket,
        e_total: float,
        hour: int,
        weekday: int,
        ratios: tuple[float, float],
        *,
        ordinary: bool,
    ) -> None:
        """Update the baselines; level, dispersion and reach only learn from ordinary buckets.

        Overdispersion is measured on all mentions and used for the negative count too:
        negatives are fewer, so totals estimate it more steadily.

        Seasonal slots always learn, so a surge that recurs daily becomes expected (a one-off
        surge dulls its hour slot for about a week, diluted over the slot's samples).
        """
        self.seen += 1
        if ordinary and self.seen > 1:
            memory = min(self.seen, self.per_day)
            self.spread.learn(bucket.total, max(e_total, _FLOOR), memory)
            self.expected_reach += (bucket.reach - self.expected_reach) / memory
        self.total.learn(bucket.total, hour, weekday, ratios[0], level=ordinary)
        self.negative.learn(bucket.negative, hour, weekday, ratios[1], level=ordinary)

    def severity(self, reading: _Reading, fire: float) -> Severity:
        """Critical when far above expected, or well above and rising fast, or reach exploding."""
        negative = reading.bucket.negative
        far = negative / max(reading.expected_negative, _FLOOR)
        fast = negative / max(self.recent_negative[0], 1)
        reach = reading.bucket.reach / max(self.expected_reach, 1.0)
        if far >= 10 or (far >= 5 and fast >= 3) or reading.evidence >= 3 * fire or reach >= 20:
            return "critical"
        return "warning"


class _Overdispersion:
    """Negative-binomial overdispersion: variance = mean x (1 + alpha x mean), alpha learned.

    Mention volume swings with news and pile-ons by a share of its level, so busy hours and
    brands vary more than Poisson and quiet ones about as much: one quasi-Poisson factor for
    all hours would be too loose at night and too tight at the peak. alpha is a pooled moment
    estimate (sum of excess squared residuals over sum of squared means), each residual capped
    at 5 sd so one surge cannot inflate it.
    """

    def __init__(self) -> None:
        self.excess = 0.0  # running mean of (x - mean)^2 - mean
        self.scale = 0.0  # running mean of mean^2

    @property
    def alpha(self) -> float:
        return max(0.0, self.excess / self.scale) if self.scale > 0 else 0.0

    def phi(self, mean: float) -> float:
        """Variance over mean at this expected count (>= 1)."""
        return 1.0 + self.alpha * mean

    def learn(self, value: float, mean: float, memory: int) -> None:
        """Fold one ordinary bucket's residual in (a running mean over ``memory`` buckets)."""
        variance = mean * self.phi(mean)
        squared = min((value - mean) ** 2, _CAP_SD**2 * variance)
        self.excess += (squared - mean - self.excess) / memory
        self.scale += (mean * mean - self.scale) / memory


class _Hysteresis:
    """ok -> pending (first hot bucket) -> firing (``confirm`` hot in a row) -> ok (calm)."""

    def __init__(self, tuning: _Tuning) -> None:
        self.tuning = tuning
        self.state: State = "ok"
        self.onset: datetime | None = None
        self.run = 0  # hot buckets in a row (pending) or calm buckets in a row (firing)

    def step(self, evidence: float, start: datetime) -> tuple[State, datetime | None]:
        """Advance by one bucket and return ``(state, onset)``."""
        hot = evidence >= self.tuning.fire
        if self.state == "ok" and hot:
            self.state, self.onset, self.run = "pending", start, 0
        if self.state == "pending":
            self.run = self.run + 1 if hot else 0
            if self.run == 0:
                self.state, self.onset = "ok", None
            elif self.run >= self.tuning.confirm:
                self.state, self.run = "firing", 0
        elif self.state == "firing":
            self.run = self.run + 1 if evidence < self.tuning.release else 0
            if self.run >= self.tuning.cooldown:
                self.state, self.onset, self.run = "ok", None, 0
        return self.state, self.onset
