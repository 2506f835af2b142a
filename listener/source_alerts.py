"""Alerts about the sources themselves: one that keeps failing, one that went silent.

A source alert's brand label is ``source:NAME`` (one alert per source and kind can fire), so
routes and silences can match it like any other: ``listener silence add --brand source:NAME``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from listener.records import AlertEvent, NewAlert, SourceState
from listener.settings import Settings
from listener.storage import Storage

FAILING = "source_failing"
SILENT = "source_silent"


def source_label(name: str) -> str:
    """The brand label of a source's alerts."""
    return f"source:{name}"


@dataclass(frozen=True)
class Verdict:
    kind: str
    firing: bool
    summary: str
    why: str


def failing(state: SourceState, threshold: int) -> Verdict:
    """Firing after ``threshold`` consecutive failed polls; a success resolves it."""
    n = state.consecutive_failures
    return Verdict(
        FAILING,
        n >= threshold,
        f"Source {state.name} failed {n} polls in a row",
        f"last error: {state.last_error or 'none'}",
    )


def silent(name: str, last_new: datetime | None, now: datetime, settings: Settings) -> Verdict:
    """Firing when the source stored no new mention for ``source_silent_after``."""
    limit = settings.alerts.source_silent_after
    quiet = limit is not None and last_new is not None and now - last_new >= limit
    since = last_new.isoformat(timespec="minutes") if last_new else "never"
    return Verdict(SILENT, quiet, f"Source {name} went silent", f"no new mention since {since}")


class SourceHealth:
    """Opens and resolves source alerts from the stored source health."""

    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.settings = settings
        self.storage = storage

    def evaluate(self, now: datetime) -> list[AlertEvent]:
        """One pass over every polled source."""
        events: list[AlertEvent] = []
        for state in self.storage.source_states():
            verdicts = [failing(state, self.settings.alerts.source_failures)]
            if self.settings.alerts.source_silent_after is not None:
                last = self.storage.last_fetched(state.name)
                verdicts.append(silent(state.name, last, now, self.settings))
            events += [e for v in verdicts if (e := self._apply(state.name, v, now))]
        return events

    def _apply(self, name: str, verdict: Verdict, now: datetime) -> AlertEvent | None:
        brand = source_label(name)
        open_one = self.storage.firing_alert(brand, verdict.kind)
        if verdict.firing and open_one is None:
            alert = self.storage.open_alert(
                NewAlert(
                    brand=brand,
                    kind=verdict.kind,
                    severity="warning",
                    started_at=now,
                    fired_at=now,
                    summary=verdict.summary,
                    explanation={"why": verdict.why},
                )
            )
            return AlertEvent("firing", alert)
        if not verdict.firing and open_one is not None:
            self.storage.resolve_alert(open_one.id, now)
            return AlertEvent("resolved", self.storage.get_alert(open_one.id) or open_one)
        return None
