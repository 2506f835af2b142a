"""Which notifications to enqueue, decided Alertmanager's way. Pure: no I/O, ``now`` passed in.

An alert is identified by its labels (brand, kind, outpost, severity). Each cycle the dispatcher
reconciles the alert table with the outbox: for every live alert and every receiver its route
picks, the events that should exist (firing, updated, repeat, resolved) and do not yet are
planned. Because the outbox is keyed by (receiver, idempotency key) and the alert table is the
source of truth, a crash anywhere just means the next cycle plans the missing rows again.

Rules, as in Alertmanager:

* **Routing**: the first child route whose ``match`` labels all equal the alert's wins,
  recursively (with ``continue``, later matching siblings too); otherwise the route itself.
  Children inherit timing and ``group_by``.
* **Grouping**: a group is (receiver, values of ``group_by``). A new group waits ``group_wait``;
  an event joins a flush still pending; later events wait ``group_interval`` after the last.
* **Repeat**: a firing, unacknowledged alert is notified again after ``repeat_interval``
  (never while an earlier notification of it is still pending: a receiver that is down
  does not pile up repeats).
* **Silences** mute matching alerts; **inhibition**: a brand-wide alert (no outpost) firing
  mutes that brand's per-outpost alerts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from listener.records import AlertRow, NewNotification, NotificationRow, SilenceRow
from listener.settings import AlertSettings, Route

Labels = Mapping[str, str]


def labels(alert: AlertRow) -> dict[str, str]:
    """The labels that identify an alert and that routes match on."""
    return {
        "brand": alert.brand,
        "kind": alert.kind,
        "outpost": alert.outpost or "",
        "severity": alert.severity,
    }


@dataclass(frozen=True)
class Target:
    """Where one alert goes: a receiver with the timing and grouping of the matched route."""

    receiver: str
    group_by: tuple[str, ...]
    group_wait: timedelta
    group_interval: timedelta
    repeat_interval: timedelta

    def group_key(self, alert_labels: Labels) -> str:
        values = ",".join(f"{k}={alert_labels.get(k, '')}" for k in self.group_by)
        return f"{self.receiver}:{{{values}}}"


_INHERITED = ("group_by", "group_wait", "group_interval", "repeat_interval")


def _inherit(child: Route, parent: Route) -> Route:
    unset = {k: getattr(parent, k) for k in _INHERITED if k not in child.model_fields_set}
    return child.model_copy(update=unset)


def route_for(route: Route, alert_labels: Labels) -> Route:
    """The deepest route matching the labels (the first matching child at each level)."""
    return routes_for(route, alert_labels)[0]


def routes_for(route: Route, alert_labels: Labels) -> list[Route]:
    """Every route the labels reach: the first matching child, and the matching siblings
    after it for as long as the matched ones say ``continue``; else the route itself."""
    found: list[Route] = []
    for child in route.routes:
        if all(alert_labels.get(k) == v for k, v in child.match.items()):
            found += routes_for(_inherit(child, route), alert_labels)
            if not child.continue_:
                break
    return found or [route]


def targets(settings: AlertSettings, alert_labels: Labels) -> list[Target]:
    """The receivers an alert goes to: its routes', or every receiver when no route is set."""
    if settings.route is None:
        routes = [Route(receiver=r.name) for r in settings.receivers]
    else:
        routes = routes_for(settings.route, alert_labels)
    unique = {r.receiver: r for r in reversed(routes)}  # a receiver reached twice: the first
    return [
        Target(r.receiver, r.group_by, r.group_wait, r.group_interval, r.repeat_interval)
        for r in reversed(unique.values())
    ]


def inhibited(alert: AlertRow, firing: Sequence[AlertRow]) -> bool:
    """A per-outpost alert is muted while a brand-wide alert of its brand fires."""
    if alert.outpost is None:
        return False
    return any(f.brand == alert.brand and f.outpost is None and f.id != alert.id for f in firing)


def suppressed(
    alert: AlertRow, firing: Sequence[AlertRow], silences: Sequence[SilenceRow], now: datetime
) -> bool:
    """Silenced or inhibited at ``now``."""
    silenced = any(s.active(now) and s.matches(alert) for s in silences)
    return silenced or inhibited(alert, firing)


@dataclass(frozen=True)
class Wanted:
    """An event an alert should have notified at a receiver."""

    event: str
    key: str


def wanted_event(
    alert: AlertRow, rows: Sequence[NotificationRow], target: Target, now: datetime
) -> Wanted | None:
    """The next event this (alert, receiver) needs, given the rows already in the outbox."""
    events = [r.event for r in rows]
    base = f"alert-{alert.id}"
    if alert.state == "resolved":
        fired = "firing" in events and "resolved" not in events
        return Wanted("resolved", f"{base}-resolved") if fired else None
    if "firing" not in events:
        return Wanted("firing", f"{base}-firing")
    if alert.severity == "critical" and all(r.severity != "critical" for r in rows):
        return Wanted("updated", f"{base}-updated-critical")
    if alert.acked_at is not None or any(r.state == "pending" for r in rows):
        return None
    last = max(r.due_at for r in rows)
    if now - last >= target.repeat_interval:
        return Wanted("repeat", f"{base}-repeat-{events.count('repeat') + 1}")
    return None


def flush_time(target: Target, last_due: datetime | None, now: datetime) -> datetime:
    """When a new event of a group may go out (see the module docstring)."""
    if last_due is None or now - last_due >= target.repeat_interval:
        return now + target.group_wait
    if last_due >= now:
        return last_due  # join the flush still waiting
    return max(now, last_due + target.group_interval)


@dataclass
class Planner:
    """One reconciliation pass: feed it the state, read ``plan()``."""

    settings: AlertSettings
    alerts: Sequence[AlertRow]
    history: Sequence[NotificationRow]
    groups: Mapping[tuple[str, str], datetime]
    silences: Sequence[SilenceRow]
    now: datetime
    _flush: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def plan(self) -> list[tuple[NewNotification, AlertRow, Target]]:
        """Every notification to enqueue now (payloads are filled in by the caller)."""
        firing = [a for a in self.alerts if a.state == "firing"]
        planned = []
        for alert in self.alerts:
            if suppressed(alert, firing, self.silences, self.now):
                continue
            for target in targets(self.settings, labels(alert)):
                item = self._one(alert, target)
                if item is not None:
                    planned.append((item, alert, target))
        return planned

    def _one(self, alert: AlertRow, target: Target) -> NewNotification | None:
        rows = [r for r in self.history if r.alert_id == alert.id and r.receiver == target.receiver]
        wanted = wanted_event(alert, rows, target, self.now)
        if wanted is None:
            return None
        group = target.group_key(labels(alert))
        slot = (target.receiver, group)
        if slot not in self._flush:
            self._flush[slot] = flush_time(target, self.groups.get(slot), self.now)
        # A repeat is itself the group's periodic reminder: it goes out now.
        due = self.now if wanted.event == "repeat" else self._flush[slot]
        return NewNotification(
            receiver=target.receiver,
            group_key=group,
            alert_id=alert.id,
            event=wanted.event,
            idempotency_key=wanted.key,
            severity=alert.severity,
            due_at=due,
        )
