"""Detect flash revolts per brand from stored counts, raise and resolve alerts, notify.

Detection is recomputed from the stored per-bucket counts every cycle (the detector is pure and
causal), so a restart loses no detector state. Alerts live in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from alerts.detector import Bucket, RevoltDetector, Verdict
from listener.records import AlertEvent, AlertRow, BucketCount, MentionRow, NewAlert
from listener.settings import Brand, Settings
from listener.source_alerts import SourceHealth
from listener.storage import Storage
from listener.times import iso
from nlp import rising_terms

log = logging.getLogger("listener.alerts")

KIND_REVOLT = "flash_revolt"
SERIES_BUCKETS = 48  # how much of the series an alert carries for its chart


def alert_json(alert: AlertRow) -> dict[str, Any]:
    """An alert as a JSON-serialisable dict (ISO 8601 UTC times)."""
    return {
        "id": alert.id,
        "brand": alert.brand,
        "kind": alert.kind,
        "severity": alert.severity,
        "state": alert.state,
        "outpost": alert.outpost,
        "started_at": iso(alert.started_at),
        "fired_at": iso(alert.fired_at),
        "resolved_at": iso(alert.resolved_at) if alert.resolved_at else None,
        "summary": alert.summary,
        "explanation": alert.explanation,
        "acked_at": iso(alert.acked_at) if alert.acked_at else None,
        "acked_by": alert.acked_by,
    }


def bucket_floor(moment: datetime, size: timedelta) -> datetime:
    """The start of the bucket holding ``moment``, aligned on the Unix epoch."""
    seconds = int(size.total_seconds())
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def fill_gaps(counts: Sequence[BucketCount], end: datetime, size: timedelta) -> list[Bucket]:
    """Contiguous buckets from the first non-empty one up to (not including) ``end``."""
    if not counts:
        return []
    by_start = {c.start: c for c in counts}
    buckets, moment = [], counts[0].start
    while moment < end:
        c = by_start.get(moment)
        buckets.append(Bucket(moment, c.total, c.negative, c.reach) if c else Bucket(moment, 0, 0))
        moment += size
    return buckets


class Alerter:
    """Turns detector verdicts into stored alerts and notifications."""

    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.settings = settings
        self.storage = storage
        d = settings.detector
        self._health = SourceHealth(settings, storage)
        self._detector = RevoltDetector(
            sensitivity=d.sensitivity, bucket=d.bucket, min_volume=d.min_volume
        )

    def evaluate(self, now: datetime) -> list[AlertEvent]:
        """One detection pass over every brand's complete buckets up to ``now``, then over
        source health; returns the alerts that started firing or resolved."""
        events = [e for brand in self.settings.brands if (e := self._brand(brand, now))]
        return events + self._health.evaluate(now)

    def _brand(self, brand: Brand, now: datetime) -> AlertEvent | None:
        size = self.settings.detector.bucket
        end = bucket_floor(now, size)  # the current bucket is still filling: leave it out
        counts = self.storage.bucket_counts(
            brand.name, end - self.settings.detector.history, end, size
        )
        buckets = fill_gaps(counts, end, size)
        if not buckets:
            return None
        verdicts = self._detector.run(buckets)
        firing = self.storage.firing_alert(brand.name, KIND_REVOLT)
        last = verdicts[-1]
        if last.state == "firing" and firing is None:
            return self._open(brand, buckets, verdicts, now)
        if last.state == "firing" and firing is not None:
            self._refresh(firing, brand, buckets, verdicts, now)
        if last.state == "ok" and firing is not None:
            self.storage.resolve_alert(firing.id, now)
            return AlertEvent("resolved", self._reload(firing.id))
        return None

    def _open(
        self, brand: Brand, buckets: list[Bucket], verdicts: list[Verdict], now: datetime
    ) -> AlertEvent:
        last = verdicts[-1]
        explanation = self._explain(brand, buckets, verdicts, now)
        alert = self.storage.open_alert(
            NewAlert(
                brand=brand.name,
                kind=KIND_REVOLT,
                severity=last.severity or "warning",
                started_at=last.onset or last.start,
                fired_at=now,
                summary=summary(brand.name, buckets[-1], last),
                explanation=explanation,
            )
        )
        return AlertEvent("firing", alert)

    def _refresh(
        self,
        alert: AlertRow,
        brand: Brand,
        buckets: list[Bucket],
        verdicts: list[Verdict],
        now: datetime,
    ) -> None:
        last = verdicts[-1]
        severity = "critical" if "critical" in (alert.severity, last.severity) else alert.severity
        explanation = self._explain(brand, buckets, verdicts, now)
        self.storage.update_alert(
            alert.id, severity=severity, summary=alert.summary, explanation=explanation
        )

    def _reload(self, alert_id: int) -> AlertRow:
        alert = self.storage.get_alert(alert_id)
        if alert is None:
            raise LookupError(f"alert {alert_id} vanished")  # a bug, not an input error
        return alert

    def _explain(
        self, brand: Brand, buckets: list[Bucket], verdicts: list[Verdict], now: datetime
    ) -> dict[str, Any]:
        last = verdicts[-1]
        size = self.settings.detector.bucket
        onset = last.onset or last.start
        window_end = buckets[-1].start + size
        peak, at_peak = _peak(buckets, verdicts, onset)  # a decaying spike keeps its peak's story
        return {
            "why": why(brand.name, peak, at_peak, size),
            "window": {
                "start": iso(onset),
                "end": iso(window_end),
                "bucket_seconds": int(size.total_seconds()),
            },
            "peak_at": iso(peak.start),
            "volume": {"observed": peak.total, "expected": round(at_peak.expected_total, 2)},
            "negative": {
                "observed": peak.negative,
                "expected": round(at_peak.expected_negative, 2),
                "share": round(at_peak.negative_share, 3),
                "usual_share": round(at_peak.usual_negative_share, 3),
            },
            "score": round(at_peak.score, 3),
            "severity": last.severity or at_peak.severity,
            "rising_topics": self._rising(brand, onset, window_end),
            "top_posts": [post_json(m) for m in self._top_posts(brand, onset, window_end)],
            "series": series_json(buckets[-SERIES_BUCKETS:], verdicts[-SERIES_BUCKETS:]),
        }

    def _rising(self, brand: Brand, onset: datetime, end: datetime) -> list[dict[str, Any]]:
        window = self.storage.mention_topics(brand.name, onset, end)
        baseline = self.storage.mention_topics(brand.name, onset - timedelta(days=1), onset)
        ignore = (brand.name, *brand.keywords, *brand.products)
        terms = rising_terms(window, baseline, top=8, ignore=ignore)
        return [
            {
                "term": t.term,
                "window": t.window_count,
                "baseline": t.baseline_count,
                "score": round(t.score, 2),
            }
            for t in terms
        ]

    def _top_posts(self, brand: Brand, onset: datetime, end: datetime) -> list[MentionRow]:
        return self.storage.top_mentions(brand.name, onset, end, limit=5, negative_only=True)


def _peak(
    buckets: Sequence[Bucket], verdicts: Sequence[Verdict], onset: datetime
) -> tuple[Bucket, Verdict]:
    """The bucket of the episode since ``onset`` with the most negative mentions."""
    episode = [(b, v) for b, v in zip(buckets, verdicts, strict=True) if b.start >= onset]
    return max(episode or [(buckets[-1], verdicts[-1])], key=lambda pair: pair[0].negative)


def summary(brand: str, bucket: Bucket, verdict: Verdict) -> str:
    share = verdict.negative_share * 100
    return (
        f"Flash revolt on {brand}: {bucket.total} mentions in one bucket "
        f"(expected {verdict.expected_total:.1f}), {share:.0f}% negative"
    )


def why(brand: str, bucket: Bucket, verdict: Verdict, size: timedelta) -> str:
    minutes = int(size.total_seconds() // 60)
    return (
        f"Negative mentions of {brand} surged: {bucket.negative} in the {minutes} min from "
        f"{bucket.start:%H:%M} UTC against {verdict.expected_negative:.1f} expected; "
        f"{verdict.negative_share:.0%} negative against {verdict.usual_negative_share:.0%} usually."
    )


def post_json(m: MentionRow) -> dict[str, Any]:
    return {
        "platform": m.platform,
        "url": m.url,
        "author": m.author,
        "text": m.text[:500],
        "reach": m.reach,
        "outpost": m.outpost,
        "sentiment": m.sentiment_label,
        "created_at": iso(m.created_at),
    }


def series_json(buckets: Sequence[Bucket], verdicts: Sequence[Verdict]) -> list[dict[str, Any]]:
    return [
        {
            "start": iso(b.start),
            "total": b.total,
            "negative": b.negative,
            "expected_total": round(v.expected_total, 2),
            "score": round(v.score, 3),
        }
        for b, v in zip(buckets, verdicts, strict=True)
    ]
